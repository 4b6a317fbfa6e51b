/**
 * A reply as the gateway builds it, written in the protocol the connection negotiated (RESP2 by
 * default, RESP3 after HELLO 3). Plain JS values are what ioredis hands back from the task's
 * Redis (strings, numbers, null, nested arrays) and are written as Redis would have.
 */
export type Reply =
  | string
  | number
  | null
  | Reply[]
  | { kind: 'status'; text: string }
  | { kind: 'error'; text: string }
  | { kind: 'map'; entries: [string, Reply][] }
  | { kind: 'null-array' };

export const OK: Reply = { kind: 'status', text: 'OK' };
export const PONG: Reply = { kind: 'status', text: 'PONG' };

export function status(text: string): Reply {
  return { kind: 'status', text };
}

/** An error reply; `text` starts with its code (ERR, NOAUTH, WRONGPASS, NOSCRIPT...). */
export function errorReply(text: string): Reply {
  return { kind: 'error', text: text.replace(/[\r\n]+/g, ' ') };
}

/** The one refusal every disallowed command, key or argument gets (issue 17.4). */
export function notAllowed(command: string, why?: string): Reply {
  return errorReply(`ERR gridcore gateway: ${command} is not allowed${why ? ` (${why})` : ''}`);
}

export function map(entries: [string, Reply][]): Reply {
  return { kind: 'map', entries };
}

export const NULL_ARRAY: Reply = { kind: 'null-array' };

/** Encodes `reply` in RESP2 or RESP3. */
export function encode(reply: Reply, proto: 2 | 3, out: string[] = []): string[] {
  if (typeof reply === 'string') {
    out.push(`$${Buffer.byteLength(reply)}\r\n`, reply, '\r\n');
  } else if (typeof reply === 'number') {
    if (Number.isInteger(reply)) out.push(`:${reply}\r\n`);
    else if (proto === 3) out.push(`,${reply}\r\n`);
    else {
      const s = String(reply);
      out.push(`$${s.length}\r\n${s}\r\n`);
    }
  } else if (reply === null) {
    out.push(proto === 3 ? '_\r\n' : '$-1\r\n');
  } else if (Array.isArray(reply)) {
    out.push(`*${reply.length}\r\n`);
    for (const r of reply) encode(r, proto, out);
  } else if (reply.kind === 'status') {
    out.push(`+${reply.text}\r\n`);
  } else if (reply.kind === 'error') {
    out.push(`-${reply.text}\r\n`);
  } else if (reply.kind === 'null-array') {
    out.push(proto === 3 ? '_\r\n' : '*-1\r\n');
  } else {
    out.push(proto === 3 ? `%${reply.entries.length}\r\n` : `*${reply.entries.length * 2}\r\n`);
    for (const [k, v] of reply.entries) {
      encode(k, proto, out);
      encode(v, proto, out);
    }
  }
  return out;
}
