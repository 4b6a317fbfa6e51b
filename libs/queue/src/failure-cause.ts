/**
 * Why an item's attempt failed (issue 19): sent with every requeue that costs an attempt and kept
 * per item in `P:causes` (item -> JSON record) until the item is requeued from dead or the task's
 * keys are cleared. The scripts add where (node, instance, run: read off the batch key) and when
 * (Redis time, `at`).
 */
export type FailureKind =
  /** The handler threw (or returned a wrong result list). */
  | 'error'
  /** The handler outlived batch_timeout_s. */
  | 'hung'
  /** The container ended without handing its batches back (crash, OOM kill, exit code). */
  | 'exit'
  /** A lease nobody renewed (the reaper: the worker was killed or its node lost). */
  | 'lease'
  /** The worker met an error it does not know and exited 1. */
  | 'worker-error';

export interface FailureCause {
  kind: FailureKind;
  message: string;
  /** The image (digest when the sender knows it). */
  image?: string;
  exit_code?: number;
  oom_killed?: boolean;
  /** The container's last log lines (kind exit). */
  logs?: string;
}

/** A cause as stored: what the sender gave plus where and when. */
export interface FailureRecord extends FailureCause {
  node?: string;
  instance?: string;
  run?: string;
  /** Redis time, ms. */
  at?: number;
  /** Who recorded it when not the worker itself: `reaper`. */
  by?: string;
}

/** The most a cause may take as sent (the scripts refuse more): 4 KiB. */
export const MAX_CAUSE_BYTES = 4096;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** The first `max` bytes of `s`, cut at a character boundary. */
function headBytes(s: string, max: number): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= max) return s;
  return b.subarray(0, Math.max(0, max)).toString('utf8').replace(/\uFFFD+$/, '');
}

/** The last `max` bytes of `s`, cut at a character boundary. */
function tailBytes(s: string, max: number): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= max) return s;
  return b.subarray(b.length - Math.max(0, max)).toString('utf8').replace(/^\uFFFD+/, '');
}

/**
 * The cause as the scripts' `cause` argument: JSON of at most MAX_CAUSE_BYTES ('' for none).
 * Too long, the logs lose their oldest lines first (their end says most), then the message its
 * end; a cut part ends (or starts) with `…`.
 */
export function encodeCause(cause: FailureCause | undefined): string {
  if (!cause) return '';
  const c: FailureCause = { ...cause, message: String(cause.message ?? '') };
  if (c.image !== undefined && bytes(c.image) > 512) c.image = headBytes(c.image, 512);
  let json = JSON.stringify(c);
  // JSON escapes make the encoded size differ from the text's: shrink until it fits.
  for (let round = 0; bytes(json) > MAX_CAUSE_BYTES && round < 20; round++) {
    const over = bytes(json) - MAX_CAUSE_BYTES;
    if (c.logs && c.logs.length > 0) {
      const keep = bytes(c.logs) - over - 8;
      c.logs = keep > 0 ? `…${tailBytes(c.logs, keep)}` : undefined;
    } else {
      c.message = `${headBytes(c.message, Math.max(0, bytes(c.message) - over - 8))}…`;
    }
    json = JSON.stringify(c);
  }
  return bytes(json) <= MAX_CAUSE_BYTES ? json : JSON.stringify({ kind: c.kind, message: headBytes(c.message, 1024) });
}

/** A P:causes value read back; null for a value that is not a cause record. */
export function decodeCause(value: string | null | undefined): FailureRecord | null {
  if (!value) return null;
  try {
    const r = JSON.parse(value) as FailureRecord;
    return r && typeof r === 'object' && typeof r.message === 'string' ? r : null;
  } catch {
    return null;
  }
}

/** The message of a thrown value, for a cause. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
