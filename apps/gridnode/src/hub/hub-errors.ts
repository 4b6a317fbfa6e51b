/** The hub did not answer (refused, reset, timed out): recoverable, the node retries with backoff. */
export class HubUnreachableError extends Error {
  readonly code = 'HUB_UNREACHABLE';
  readonly recoverable = true;
  constructor(url: string, reason: string) {
    super(`hub unreachable at ${url} (${reason})`);
    this.name = 'HubUnreachableError';
  }
}

/**
 * The hub's certificate failed verification (untrusted CA, wrong name, expired). Treated as an
 * unreachable hub (the node keeps retrying: the hub's certificate may be replaced), but its one
 * line says what is wrong and where to set the CA.
 */
export class HubCertificateError extends HubUnreachableError {
  constructor(url: string, problem: string) {
    super(url, problem);
    this.message = `the hub at ${url} ${problem}: set ca_file in gridnode.toml or GRIDNODE_CA_FILE to the CA that signed it`;
    this.name = 'HubCertificateError';
  }
}

/** The hub answered with an error status. 404 on heartbeat means "register again". */
export class HubHttpError extends Error {
  readonly code = 'HUB_HTTP';
  constructor(
    readonly route: string,
    readonly status: number,
    detail: string,
    /** The hub's `reason` field: `revoked` on a 401 for a revoked node's credential. */
    readonly reason: string | null = null,
  ) {
    super(`hub answered ${status} on ${route}: ${detail}`);
    this.name = 'HubHttpError';
  }

  get revoked(): boolean {
    return this.status === 401 && this.reason === 'revoked';
  }

  /** 5xx and 429 may pass; 4xx (a bad token, a refused body) will not without a change. */
  get recoverable(): boolean {
    return this.status >= 500 || this.status === 429;
  }
}

/**
 * The hub refused the token this node registers with (401: unknown, 403: not a node token). Not
 * recoverable: the agent stops with one line saying so and exit code {@link TokenRefusedError.exitCode}.
 */
export class TokenRefusedError extends Error {
  readonly code = 'TOKEN_REFUSED';
  readonly recoverable = false;
  static readonly exitCode = 3;
  constructor(hubUrl: string, status: number, configFile: string | null, hasToken: boolean) {
    const why = !hasToken ? 'wants a token' : status === 401 ? 'does not know the token' : 'refuses the token for nodes (it is not a node token)';
    super(`the hub at ${hubUrl} ${why} (${status} on register): ${hasToken ? 'check' : 'set'} token in ${configFile ?? 'gridnode.toml'} or GRIDNODE_TOKEN`);
    this.name = 'TokenRefusedError';
  }
}

/**
 * The hub revoked this node (401 `reason: "revoked"`), now or before (the `revoked` marker in
 * state_dir): it stops its containers and never starts again; exit code {@link NodeRevokedError.exitCode}.
 */
export class NodeRevokedError extends Error {
  readonly code = 'NODE_REVOKED';
  readonly recoverable = false;
  static readonly exitCode = 4;
  constructor(message: string) {
    super(message);
    this.name = 'NodeRevokedError';
  }
}
