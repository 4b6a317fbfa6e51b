import { RuntimeError } from './runtime-error';

/** The engine does not answer on its socket. Recoverable: dockerd may come up later. */
export class DockerUnreachableError extends RuntimeError {
  constructor(
    readonly socket: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      'DOCKER_UNREACHABLE',
      `cannot reach the Docker engine at ${socket} (${reason}): is dockerd running and may this user use its socket? ` +
        'Set docker_socket (GRIDNODE_DOCKER_SOCKET) if it lives elsewhere',
      true,
      options,
    );
  }
}
