export * from './run-worker';
export { Worker } from './worker';
export { resolveWorkerSettings, WorkerSettingsError } from './settings';
