export * from './run-worker';
export { Worker } from './worker';
export { resolveWorkerSettings, WorkerSettingsError } from './settings';
export { GROUP_BUDGET_MS, GROUP_MAX_ITEMS, PREFETCH_BELOW_BATCH } from './lanes';
