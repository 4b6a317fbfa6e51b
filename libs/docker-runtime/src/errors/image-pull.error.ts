import { RuntimeError } from './runtime-error';

/** Pulling failed after every retry for a reason that may pass (network, registry down). */
export class ImagePullError extends RuntimeError {
  constructor(
    readonly image: string,
    attempts: number,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('IMAGE_PULL_FAILED', `pulling image ${image} failed ${attempts} times: ${detail}`, true, options);
  }
}
