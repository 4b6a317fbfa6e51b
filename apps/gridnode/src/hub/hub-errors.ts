/** The hub did not answer (refused, reset, timed out): recoverable, the node retries with backoff. */
export class HubUnreachableError extends Error {
  readonly code = 'HUB_UNREACHABLE';
  readonly recoverable = true;
  constructor(url: string, reason: string) {
    super(`hub unreachable at ${url} (${reason})`);
    this.name = 'HubUnreachableError';
  }
}

/** The hub answered with an error status. 404 on heartbeat means "register again". */
export class HubHttpError extends Error {
  readonly code = 'HUB_HTTP';
  constructor(
    readonly route: string,
    readonly status: number,
    detail: string,
  ) {
    super(`hub answered ${status} on ${route}: ${detail}`);
    this.name = 'HubHttpError';
  }

  /** 5xx and 429 may pass; 4xx (a bad token, a refused body) will not without a change. */
  get recoverable(): boolean {
    return this.status >= 500 || this.status === 429;
  }
}
