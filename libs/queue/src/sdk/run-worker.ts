import type { BatchHandler } from './handler';
import { Worker } from './worker';
import { resolveWorkerSettings, WorkerOptions, WorkerSettingsError } from './settings';

export type { BatchHandler, BatchContext } from './handler';
export type { WorkerOptions, WorkerSettings } from './settings';

export interface RunWorkerOptions extends WorkerOptions {
  /** Defaults to process.env (the env GridNode injects: CONTRACT.md). */
  env?: NodeJS.ProcessEnv;
  /** Called with the exit code instead of process.exit (tests, embedding). */
  exit?: (code: number) => void;
}

/**
 * Runs a worker of the GridCore queue protocol until SIGTERM (hand back, exit 0), the idle time
 * on an empty input and retry (exit 0), a handler outliving batch_timeout_s (exit 1), or an
 * unrecoverable error (exit 1; bad settings exit 2).
 *
 * ```ts
 * runWorker(async (items) => items.map((n) => `${n}:${Math.sqrt(Number(n))}`), { batch: 100 });
 * ```
 */
export async function runWorker(handler: BatchHandler, options: RunWorkerOptions = {}): Promise<number> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let worker: Worker;
  try {
    worker = new Worker(handler, resolveWorkerSettings(options.env ?? process.env, options));
  } catch (err) {
    if (!(err instanceof WorkerSettingsError)) throw err;
    process.stderr.write(`${err.message}\n`);
    exit(2);
    return 2;
  }
  const onSignal = (signal: NodeJS.Signals) => void worker.stop(signal);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  let code: number;
  try {
    code = await worker.run();
  } catch (err) {
    process.stderr.write(`gridcore-worker: cannot start: ${(err as Error).message}\n`);
    code = 1;
  }
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  exit(code);
  return code;
}
