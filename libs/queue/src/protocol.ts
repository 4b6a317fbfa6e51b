import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scriptsDir } from './scripts-dir';

/** The roles a script's KEYS play; QueueKeys has one key per role (output: the output list or Q). */
export type KeyRole = 'input' | 'seq' | 'leases' | 'taken' | 'retry' | 'attempts' | 'dead' | 'stats' | 'config' | 'causes' | 'output';

export interface ScriptError {
  /** The Lua constant of includes/common.lua. */
  lua: string;
  name: string;
  /** For a wrong key type: what the key is, and the type it should have. */
  role?: string;
  type?: string;
}

export interface ScriptDeclaration {
  file: string;
  keys: KeyRole[];
  /** ARGV by name; a last name ending in `...` takes the rest (an array). */
  args: string[];
  reply: string[];
  errors: string[];
}

/** scripts/manifest.json: the queue protocol, declared once for both SDKs. */
export interface ProtocolManifest {
  keyNames: Record<KeyRole, string>;
  errors: Record<string, ScriptError>;
  scripts: Record<string, ScriptDeclaration>;
}

export type ArgValue = string | number | readonly (string | number)[];

const cache = new Map<string, Protocol>();

/** The manifest beside the scripts, read once per directory. */
export function loadProtocol(dir = scriptsDir()): Protocol {
  let protocol = cache.get(dir);
  if (!protocol) {
    protocol = new Protocol(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ProtocolManifest);
    cache.set(dir, protocol);
  }
  return protocol;
}

/** Builds a script's KEYS and ARGV from names and decodes its reply by field name. */
export class Protocol {
  constructor(readonly manifest: ProtocolManifest) {}

  declaration(name: string): ScriptDeclaration {
    const d = this.manifest.scripts[name];
    if (!d) throw new Error(`queue script ${name} is not in manifest.json`);
    return d;
  }

  keys(name: string, byRole: Readonly<Record<KeyRole, string>>): string[] {
    return this.declaration(name).keys.map((role) => byRole[role]);
  }

  private readonly argNames = new Map<string, Set<string>>();

  /** ARGV in declared order; a missing or undeclared name is an SDK out of step with the manifest. */
  args(name: string, values: Readonly<Record<string, ArgValue | undefined>>): (string | number)[] {
    const declared = this.declaration(name).args;
    let names = this.argNames.get(name);
    if (!names) this.argNames.set(name, (names = new Set(declared.map((a) => a.replace(/\.\.\.$/, '')))));
    for (const given in values) if (!names.has(given)) throw new Error(`${name}: argument ${given} is not declared in manifest.json`);
    const out: (string | number)[] = [];
    for (const arg of declared) {
      const rest = arg.endsWith('...');
      const value = values[rest ? arg.slice(0, -3) : arg];
      if (value === undefined) throw new Error(`${name}: argument ${arg} is missing`);
      if (rest) out.push(...(value as readonly (string | number)[]));
      else out.push(value as string | number);
    }
    return out;
  }

  /** Where a named (not rest) argument sits in ARGV; throws for a name the manifest does not declare. */
  argPosition(name: string, arg: string): number {
    const i = this.declaration(name).args.indexOf(arg);
    if (i < 0) throw new Error(`${name}: argument ${arg} is not declared in manifest.json`);
    return i;
  }

  /** Where a reply field sits; throws for a field the manifest does not declare. */
  replyPosition(name: string, field: string): number {
    const i = this.declaration(name).reply.indexOf(field);
    if (i < 0) throw new Error(`${name}: reply field ${field} is not declared in manifest.json`);
    return i;
  }

  decode(name: string, reply: readonly unknown[]): Record<string, unknown> {
    const fields = this.declaration(name).reply;
    return Object.fromEntries(fields.map((field, i) => [field, reply[i]]));
  }

  /** The error of a negative code, undefined for a code the manifest does not know. */
  error(code: number): ScriptError | undefined {
    return this.manifest.errors[String(code)];
  }

  /** Error name -> code (INPUT_TYPE: -1, ...). */
  codes(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.manifest.errors).map(([code, e]) => [e.name, Number(code)]));
  }
}
