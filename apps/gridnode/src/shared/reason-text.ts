/**
 * The longest reason a heartbeat carries. The hub bounds the strings in a node record, and a
 * heartbeat it refuses would hide the very error it meant to show, so a long reason (a deep
 * socket path, an engine's long message) is shortened here, never sent whole.
 */
export const REASON_MAX_CHARS = 256;

export function clampReason(text: string | null): string | null {
  if (text === null || text.length <= REASON_MAX_CHARS) return text;
  return `${text.slice(0, REASON_MAX_CHARS - 1)}…`;
}

/** Docker's messages may hold newlines: a reason on the hub is one line, shortened as above. */
export function oneLineReason(text: string): string {
  return clampReason(text.replace(/\s+/g, ' ').trim())!;
}
