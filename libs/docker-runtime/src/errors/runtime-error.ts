/** Base of every error the container runtime raises: a stable `code` and whether a retry can help. */
export class RuntimeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly recoverable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
