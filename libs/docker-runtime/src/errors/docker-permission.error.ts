import { RuntimeError } from './runtime-error';

/** The socket exists but this user may not use it. Not recoverable without an operator. */
export class DockerPermissionError extends RuntimeError {
  constructor(
    readonly socket: string,
    options?: { cause?: unknown },
  ) {
    super(
      'DOCKER_PERMISSION',
      `permission denied on the Docker socket ${socket}: run the node as root or as a member of the docker group`,
      false,
      options,
    );
  }
}
