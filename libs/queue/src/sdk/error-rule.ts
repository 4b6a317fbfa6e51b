import { ReplyError } from 'ioredis';
import { QueueError } from '../errors/queue-error';

/**
 * The one rule both SDKs follow for an error of a Redis call (issue 19.4, CONTRACT.md "Worker
 * errors"; Python: errors.py):
 * - `connection`: the connection is gone or timed out: retried until it is back;
 * - `transient`: a reply that means "try again soon" (LOADING, BUSY, READONLY, TRYAGAIN,
 *   MASTERDOWN, CLUSTERDOWN): retried, with a log line;
 * - `briefly`: NOAUTH/WRONGPASS or NOSCRIPT (the hub re-creating a scoped user, reloading the
 *   scripts): retried for GRACE_MS in a row, then fatal;
 * - `known`: a typed error of the protocol (a key of the wrong type, ...): fatal, held batches
 *   handed back (the data is wrong, not the items);
 * - `unknown`: anything else: logged with its message, the worker exits 1, its batches requeued
 *   with an attempt and this error as their cause.
 */
export type ErrorClass = 'connection' | 'transient' | 'briefly' | 'known' | 'unknown';

/** How long NOAUTH/WRONGPASS/NOSCRIPT may last before the worker gives up. */
export const GRACE_MS = 30_000;

const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|UNBLOCKED)\b/;
const BRIEF_REPLY = /^(NOAUTH|WRONGPASS|NOSCRIPT)\b/;
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
// What ioredis says when a command cannot reach the server (no reply code of Redis's own).
const CONNECTION_MESSAGE = /^(Connection is closed|Stream isn't writeable|Reached the max retries per request|Command timed out|Failed to refresh slots cache|Too many Cluster redirections|Cluster isn't ready|None of startup nodes is available|connect ETIMEDOUT|Socket closed unexpectedly)/;

export function classifyError(err: unknown): ErrorClass {
  if (err instanceof QueueError) return err.recoverable ? 'briefly' : 'known';
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ReplyError || (err instanceof Error && err.name === 'ReplyError')) {
    if (TRANSIENT_REPLY.test(message)) return 'transient';
    if (BRIEF_REPLY.test(message)) return 'briefly';
    return 'unknown';
  }
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return 'connection';
    if (err.name === 'MaxRetriesPerRequestError' || err.name === 'ClusterAllFailedError') return 'connection';
    if (CONNECTION_MESSAGE.test(message)) return 'connection';
  }
  return 'unknown';
}

/**
 * Applies the rule over time for one worker: `retry(err)` answers whether to try again, logging
 * one line when a transient reply or a brief one starts (not on every retry), and giving up on a
 * brief one that lasted GRACE_MS. `ok()` ends an episode.
 */
export class ErrorRule {
  private briefSince?: number;
  private lastLogged?: string;

  constructor(
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
    private readonly graceMs = GRACE_MS,
  ) {}

  retry(err: unknown): boolean {
    const kind = classifyError(err);
    const message = err instanceof Error ? err.message : String(err);
    if (kind === 'connection') return true;
    if (kind === 'transient' || kind === 'briefly') {
      const head = message.split(/\s/)[0];
      if (this.lastLogged !== head) {
        this.lastLogged = head;
        this.log(`gridcore-worker: redis answered ${message.split('\n')[0]}; retrying`);
      }
      if (kind === 'transient') return true;
      this.briefSince ??= this.now();
      return this.now() - this.briefSince < this.graceMs;
    }
    return false;
  }

  ok(): void {
    this.briefSince = undefined;
    this.lastLogged = undefined;
  }
}

/** Whether a fatal error requeues the worker's batches with an attempt (unknown) or hands them back. */
export function requeuesOnFatal(err: unknown): boolean {
  if (err === undefined) return false;
  const kind = classifyError(err);
  return kind === 'unknown' || kind === 'briefly';
}
