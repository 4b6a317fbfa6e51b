import { RuntimeError } from './runtime-error';

/** A Docker call took longer than its deadline. Recoverable: the engine may just be busy. */
export class RuntimeTimeoutError extends RuntimeError {
  constructor(what: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('DOCKER_TIMEOUT', `Docker call ${what} timed out after ${timeoutMs} ms`, true, options);
  }
}
