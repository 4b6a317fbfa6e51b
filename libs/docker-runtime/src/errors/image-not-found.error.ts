import { RuntimeError } from './runtime-error';

/** The image is not on this engine and no registry has it. Not recoverable by retrying. */
export class ImageNotFoundError extends RuntimeError {
  constructor(
    readonly image: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('IMAGE_NOT_FOUND', `image ${image} is not on this node and could not be pulled: ${detail}`, false, options);
  }
}
