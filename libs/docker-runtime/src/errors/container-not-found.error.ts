import { RuntimeError } from './runtime-error';

/** The container is gone (removed by someone else). Not recoverable for that id. */
export class ContainerNotFoundError extends RuntimeError {
  constructor(
    readonly containerId: string,
    options?: { cause?: unknown },
  ) {
    super('CONTAINER_NOT_FOUND', `container ${containerId.slice(0, 12)} does not exist`, false, options);
  }
}
