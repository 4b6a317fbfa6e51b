import { ConfigError } from './config-error';

interface Base<T> {
  default?: T;
  /** Never printed (tokens, passwords). */
  secret?: boolean;
  description?: string;
}
/**
 * A textual rule and the words that explain it. The words are what a person reads when a value
 * breaks the rule: a validation message never shows a regular expression.
 */
export interface TextRule {
  pattern: RegExp;
  /** A noun phrase that completes "must be ...", e.g. `an address host:port such as 0.0.0.0:8080`. */
  expected: string;
}

export type FieldSpec =
  | ({ type: 'string'; format?: TextRule; nullable?: boolean } & Base<string | null>)
  | ({ type: 'int'; min?: number; max?: number } & Base<number>)
  | ({ type: 'number'; min?: number; max?: number } & Base<number>)
  | ({ type: 'bool' } & Base<boolean>)
  | ({ type: 'string[]'; items?: TextRule } & Base<readonly string[]>)
  | ({ type: 'map' } & Base<Readonly<Record<string, string>>>);

export type ConfigSchema = Record<string, FieldSpec>;

type ValueOf<F> = F extends { type: 'string'; default: string }
  ? string
  : F extends { type: 'string' }
  ? string | null
  : F extends { type: 'int' | 'number' }
    ? number
    : F extends { type: 'bool' }
      ? boolean
      : F extends { type: 'string[]' }
        ? readonly string[]
        : Readonly<Record<string, string>>;

export type ConfigValues<S extends ConfigSchema> = { readonly [K in keyof S]: ValueOf<S[K]> };

function describe(spec: FieldSpec): string {
  switch (spec.type) {
    case 'int':
    case 'number': {
      const kind = spec.type === 'int' ? 'an integer' : 'a number';
      if (spec.min !== undefined && spec.max !== undefined) return `${kind} from ${spec.min} to ${spec.max}`;
      if (spec.min !== undefined) return `${kind} >= ${spec.min}`;
      return kind;
    }
    case 'bool':
      return 'true or false';
    case 'string[]':
      return spec.items ? `a list of ${spec.items.expected}` : 'a list of strings';
    case 'map':
      return 'a table of strings';
    default:
      return spec.format ? spec.format.expected : 'a string';
  }
}

function fail(key: string, where: string, spec: FieldSpec, got: unknown): never {
  const length = typeof got === 'string' ? `, ${got.length} character${got.length === 1 ? '' : 's'}` : '';
  const shown = spec.secret ? `<hidden>${length}` : JSON.stringify(got);
  throw new ConfigError(`config: ${key} ${where} must be ${describe(spec)} (got ${shown})`);
}

/** Checks each entry of a list against its rule; a secret entry is named by position and length only. */
function checkItems(key: string, where: string, spec: FieldSpec & { type: 'string[]' }, items: string[]): string[] {
  if (!spec.items) return items;
  items.forEach((item, i) => {
    if (spec.items!.pattern.test(item)) return;
    const shown = spec.secret ? `entry ${i + 1} has ${item.length} character${item.length === 1 ? '' : 's'}` : `got ${JSON.stringify(item)}`;
    throw new ConfigError(`config: ${key} ${where} must be ${describe(spec)} (${shown})`);
  });
  return items;
}

function checkRange(key: string, where: string, spec: FieldSpec & { min?: number; max?: number }, n: number): number {
  if (!Number.isFinite(n)) fail(key, where, spec, n);
  if (spec.type === 'int' && !Number.isInteger(n)) fail(key, where, spec, n);
  if (spec.min !== undefined && n < spec.min) fail(key, where, spec, n);
  if (spec.max !== undefined && n > spec.max) fail(key, where, spec, n);
  return n;
}

/** Checks a value read from a TOML file (already typed). */
export function coerceFileValue(key: string, where: string, spec: FieldSpec, raw: unknown): unknown {
  switch (spec.type) {
    case 'string':
      if (typeof raw !== 'string' || (spec.format && !spec.format.pattern.test(raw))) fail(key, where, spec, raw);
      return raw;
    case 'int':
    case 'number':
      if (typeof raw !== 'number' && typeof raw !== 'bigint') fail(key, where, spec, raw);
      return checkRange(key, where, spec, Number(raw));
    case 'bool':
      if (typeof raw !== 'boolean') fail(key, where, spec, raw);
      return raw;
    case 'string[]':
      if (!Array.isArray(raw) || !raw.every((v) => typeof v === 'string')) fail(key, where, spec, raw);
      return checkItems(key, where, spec, [...(raw as string[])]);
    case 'map':
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(key, where, spec, raw);
      for (const v of Object.values(raw as object)) if (typeof v !== 'string') fail(key, where, spec, raw);
      return { ...(raw as Record<string, string>) };
  }
}

/** Parses a value given as an environment variable: lists comma-separated, maps `k=v` pairs. */
export function coerceEnvValue(key: string, where: string, spec: FieldSpec, raw: string): unknown {
  switch (spec.type) {
    case 'string':
      if (spec.format && !spec.format.pattern.test(raw)) fail(key, where, spec, raw);
      return raw;
    case 'int':
    case 'number':
      if (raw.trim() === '') fail(key, where, spec, raw);
      return checkRange(key, where, spec, Number(raw));
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      return fail(key, where, spec, raw);
    }
    case 'string[]':
      return checkItems(
        key,
        where,
        spec,
        raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      );
    case 'map': {
      const map: Record<string, string> = {};
      for (const pair of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
        const eq = pair.indexOf('=');
        if (eq <= 0) fail(key, where, spec, raw);
        map[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
      }
      return map;
    }
  }
}
