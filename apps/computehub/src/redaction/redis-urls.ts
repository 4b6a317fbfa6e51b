/** Query parameters Redis clients read a password from (`redis://host/0?password=...`). */
const PASSWORD_PARAMS = ['password', 'pass', 'auth', 'requirepass'];

const MASK = '****';

/**
 * `scheme://user:password@` of a Redis URL anywhere in a text. The password runs to the last `@`
 * before the authority ends (`/`, `?`, `#` or a space), as the URL parsers of ioredis and
 * redis-py read it, so a password holding a raw `@` is masked whole.
 */
const USERINFO = /\b(rediss?(?:\+[a-z]+)?:\/\/)([^\s/?#@:]*):([^\s/?#]*)@/gi;
/** A Redis URL's query string anywhere in a text, and a password parameter inside it. */
const QUERY = /\b(rediss?(?:\+[a-z]+)?:\/\/[^\s?#]*)\?([^\s#]*)/gi;
const QUERY_PASSWORD = new RegExp(`(^|&)((?:${PASSWORD_PARAMS.join('|')})=)[^&]*`, 'gi');

/** One Redis URL (a field that is nothing else), normalised, with its password replaced. */
export function maskRedisUrl(url: string | null | undefined): string | null {
  if (!url) return url ?? null;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = MASK;
    for (const key of [...parsed.searchParams.keys()]) {
      if (PASSWORD_PARAMS.includes(key.toLowerCase())) parsed.searchParams.set(key, MASK);
    }
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return 'redis://(unparsable url)';
  }
}

/** Every Redis URL inside a free text (an env value, a message) with its password replaced. */
export function maskRedisUrlsIn(text: string): string {
  if (!text.includes('://')) return text;
  return text
    .replace(USERINFO, (_match, scheme: string, user: string) => `${scheme}${user}:${MASK}@`)
    .replace(QUERY, (_match, base: string, query: string) => `${base}?${query.replace(QUERY_PASSWORD, `$1$2${MASK}`)}`);
}

/**
 * The value with every Redis URL in any string masked: what leaves the hub for viewers (task and
 * node answers, SSE events), where a password may sit in any field a user or a worker wrote.
 * Copies only the parts that change; a value with nothing to mask comes back as it is, so the
 * common case (thousands of node views, an event per heartbeat) allocates nothing.
 */
export function maskRedisUrlsDeep<T>(value: T): T {
  if (typeof value === 'string') return maskRedisUrlsIn(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      const masked = maskRedisUrlsDeep(item);
      if (masked !== item) (copy ??= [...value])[index] = masked;
    }
    return (copy ?? value) as T;
  }
  // By tag, not prototype: a structuredClone'd record may come from another realm's Object.
  if (Object.prototype.toString.call(value) !== '[object Object]') return value;
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | null = null;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const item = record[key];
    const masked = maskRedisUrlsDeep(item);
    if (masked !== item) (copy ??= { ...record })[key] = masked;
  }
  return (copy ?? value) as T;
}
