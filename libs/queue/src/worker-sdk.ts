/**
 * The entry of the npm package `@gridcore/worker` (libs/queue/package.json): the worker SDK and
 * what a worker's code may meet (settings, the queue errors, the protocol manifest's reader),
 * nothing of the hub's side of libs/queue. Everything it pulls in imports only Node and ioredis.
 */
export * from './sdk';
export * from './errors';
export { loadProtocol, Protocol } from './protocol';
export type { ArgValue, KeyRole, ProtocolManifest, ScriptDeclaration, ScriptError } from './protocol';
export { scriptsDir } from './scripts-dir';
