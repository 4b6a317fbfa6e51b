import { createHash } from 'node:crypto';

/**
 * A cause's message with what varies from item to item masked, so thousands of failures group
 * by what went wrong: quoted values <q>, UUIDs <uuid>, long hex (digests, ids) <hex>, numbers <n>,
 * then runs of space collapsed. The order matters: a quoted number is one quoted value.
 */
export function normaliseMessage(message: string): string {
  return message
    .split('\n')[0]
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '<q>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\b(?:sha256:)?[0-9a-f]{12,}\b/gi, '<hex>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<n>')
    .replace(/[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi, '<n>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 500);
}

/** The signature of a cause: its kind and normalised message; an exit keeps its code (exit 3 and an OOM kill differ). */
export function failureSignature(cause: { kind?: string; message?: string; exit_code?: number } | null): string {
  if (!cause) return 'unknown: no cause recorded';
  const kind = cause.kind ?? 'unknown';
  const head = kind === 'exit' && typeof cause.exit_code === 'number' ? `exit ${cause.exit_code}` : kind;
  return `${head}: ${normaliseMessage(cause.message ?? '')}`;
}

/** The group id of a signature: 16 hex digits of its SHA-256. */
export function groupId(signature: string): string {
  return createHash('sha256').update(signature).digest('hex').slice(0, 16);
}
