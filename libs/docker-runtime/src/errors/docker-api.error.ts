import { RuntimeError } from './runtime-error';

/** Any other answer of the engine: recoverable when the engine itself failed (5xx). */
export class DockerApiError extends RuntimeError {
  constructor(
    what: string,
    readonly statusCode: number | null,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      'DOCKER_API',
      `Docker call ${what} failed${statusCode ? ` (${statusCode})` : ''}: ${detail}`,
      statusCode === null || statusCode >= 500,
      options,
    );
  }
}
