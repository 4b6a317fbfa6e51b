/**
 * The reference workload as a GridCore worker: each item is a number `n`, each result `n:sqrt(n)`.
 * Runs with plain `node` once compiled; reads the env GridNode injects (libs/queue/CONTRACT.md).
 * `@gridcore/worker` is the SDK's npm package (`npm run pack:sdk`, then `npm install` the tarball).
 */
import { runWorker } from '@gridcore/worker';

void runWorker((items) => items.map((n) => `${n}:${Math.sqrt(Number(n))}`), { batch: 100, concurrency: 1 });
