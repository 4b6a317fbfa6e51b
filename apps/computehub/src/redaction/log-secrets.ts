import { maskRedisUrlsIn } from './redis-urls';

const MASK = '****';

/**
 * Secrets by their shape wherever they stand in a container's output: the hub's own tokens
 * (`gcj_…`/`gcn_…`), a bearer header, and a password given as `password=…`, `--requirepass …`
 * or `AUTH …` (redis-cli and the Redis clients' debug lines print it so).
 */
const SHAPES: { pattern: RegExp; replace: string }[] = [
  { pattern: /\bgc[jn]_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\b/g, replace: MASK },
  { pattern: /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, replace: `$1${MASK}` },
  { pattern: /\b((?:password|passwd|pass|requirepass|masterauth|auth|token|secret)["']?\s*[:=]\s*["']?)[^\s"'&,;}]+/gi, replace: `$1${MASK}` },
  { pattern: /(--(?:requirepass|masterauth|pass|password|token)[\s=]+)\S+/gi, replace: `$1${MASK}` },
  { pattern: /\b(AUTH\s+(?:\S+\s+)?)\S+/g, replace: `$1${MASK}` },
];

/** Literal secrets shorter than this are not searched for: masking "abc" everywhere would garble the text. */
const MIN_LITERAL_LENGTH = 6;

/**
 * Masks what must not leave the hub in a container's output: every Redis URL's password, the
 * shapes above, and each literal secret the hub knows (its tokens, the task's Redis passwords,
 * the scoped users' passwords), wherever it appears on its own.
 */
export function maskLogSecrets(text: string, literals: readonly string[] = []): string {
  let out = maskRedisUrlsIn(text);
  for (const literal of literals) {
    if (literal.length >= MIN_LITERAL_LENGTH && out.includes(literal)) out = out.split(literal).join(MASK);
  }
  for (const { pattern, replace } of SHAPES) out = out.replace(pattern, replace);
  return out;
}
