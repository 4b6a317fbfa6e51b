import { DomainError } from './domain-error';

/**
 * A bearer token the hub does not accept (401). `reason: "revoked"` tells a node its credential
 * was revoked for good (it must not register again); without a reason the token is unknown.
 */
export class CredentialRefusedError extends DomainError {
  readonly code = 'CREDENTIAL_REFUSED';
  readonly status = 401;
  constructor(
    message: string,
    readonly reason?: 'revoked',
  ) {
    super(message);
  }
}
