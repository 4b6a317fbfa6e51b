import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ConfigError } from './config-error';
import { closestKey } from './did-you-mean';
import { coerceEnvValue, coerceFileValue, ConfigSchema, ConfigValues } from './config-schema';

/** Where a process looks for its configuration; injectable so tests never read the real home. */
export interface ConfigSource {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  systemDirs?: readonly string[];
}

export interface ConfigSpec<S extends ConfigSchema> {
  /** The app's own variable, e.g. `COMPUTEHUB_CONFIG`. */
  appVariable: string;
  /** Prefix of per-key variables, e.g. `COMPUTEHUB_`. */
  envPrefix: string;
  /** File names tried in each folder, first match wins, e.g. `['gridnode.toml', 'agent.toml']`. */
  fileNames: readonly string[];
  schema: S;
  /** Keys an original user's file may hold that we do not use: warned about, not refused. */
  ignoredKeys?: readonly string[];
}

export interface LoadedConfig<S extends ConfigSchema> {
  values: ConfigValues<S>;
  /** The file read, or null when every value came from env and defaults. */
  file: string | null;
  warnings: string[];
}

export const DEFAULT_SYSTEM_DIRS = ['/etc/gridcore', '/etc/idm-gridcore'] as const;

/** `-c PATH`, `--config PATH` or `--config=PATH`, as the original's binaries take it. */
export function configPathFromArgv(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-c' || arg === '--config') {
      const value = argv[i + 1];
      if (!value) throw new ConfigError(`config: ${arg} needs a file path`);
      return value;
    }
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
  }
  return null;
}

function fileIn(pathOrDir: string, fileNames: readonly string[]): string | null {
  if (existsSync(pathOrDir) && statSync(pathOrDir).isDirectory()) {
    for (const name of fileNames) {
      const candidate = join(pathOrDir, name);
      if (existsSync(candidate)) return candidate;
    }
    return null;
  }
  return existsSync(pathOrDir) ? pathOrDir : null;
}

/** The user config folders, ours first, then the original's. */
export function userConfigDirs(source: ConfigSource): string[] {
  const base = source.env.XDG_CONFIG_HOME || join(source.homeDir, '.config');
  return [join(base, 'gridcore'), join(base, 'idm-gridcore')];
}

/**
 * Finds the config file in the order of SPEC §8: `-c`, the app's variable, `GRIDCORE_CONFIG`,
 * `IDM_GRIDCORE_CONFIG`, then the user and system folders. A path given explicitly that does
 * not exist is an error; an empty search is not (defaults and env then apply).
 */
export function locateConfigFile(spec: Pick<ConfigSpec<ConfigSchema>, 'appVariable' | 'fileNames'>, source: ConfigSource): string | null {
  const explicit: [string, string | null | undefined][] = [
    ['-c', configPathFromArgv(source.argv)],
    [spec.appVariable, source.env[spec.appVariable]],
    ['GRIDCORE_CONFIG', source.env.GRIDCORE_CONFIG],
    ['IDM_GRIDCORE_CONFIG', source.env.IDM_GRIDCORE_CONFIG],
  ];
  for (const [via, value] of explicit) {
    if (!value) continue;
    const found = fileIn(value, spec.fileNames);
    if (!found) {
      throw new ConfigError(`config: ${via} names ${value}, which holds no ${spec.fileNames.join(' or ')}`);
    }
    return found;
  }
  for (const dir of [...userConfigDirs(source), ...(source.systemDirs ?? DEFAULT_SYSTEM_DIRS)]) {
    const found = fileIn(dir, spec.fileNames);
    if (found) return found;
  }
  return null;
}

function readToml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`config: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const first = String((err as Error).message).split('\n')[0];
    throw new ConfigError(`config: ${file} is not valid TOML: ${first}`);
  }
}

/** Resolves file + env once into a frozen, validated, typed object. */
export function loadConfig<S extends ConfigSchema>(spec: ConfigSpec<S>, source: ConfigSource): LoadedConfig<S> {
  const file = locateConfigFile(spec, source);
  const warnings: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(spec.schema)) {
    if (field.default !== undefined) values[key] = field.default;
  }
  if (file) {
    const parsed = readToml(file);
    for (const [key, raw] of Object.entries(parsed)) {
      const field = spec.schema[key];
      if (!field) {
        if (spec.ignoredKeys?.includes(key)) {
          warnings.push(`config: key ${key} in ${file} is not used by GridCore; ignored`);
          continue;
        }
        // A near miss of a known key is a typo whose value would be dropped silently while the
        // default runs: refuse it. A key nothing resembles may be another version's: warn.
        const likely = closestKey(key, Object.keys(spec.schema));
        if (likely) throw new ConfigError(`config: ${key}: did you mean ${likely}? (an unknown key in ${file})`);
        warnings.push(`config: key ${key} in ${file} is unknown; ignored`);
        continue;
      }
      values[key] = coerceFileValue(key, `in ${file}`, field, raw);
    }
  }
  for (const [key, field] of Object.entries(spec.schema)) {
    const variable = spec.envPrefix + key.toUpperCase();
    const raw = source.env[variable];
    if (raw === undefined) continue;
    values[key] = coerceEnvValue(key, `(from ${variable})`, field, raw);
  }
  return { values: Object.freeze(values) as ConfigValues<S>, file, warnings };
}

/** The folder a config file lives in, else the system state folder (SPEC §8 `state_dir`). */
export function defaultStateDir(file: string | null): string {
  return file ? dirname(file) : '/var/lib/gridcore';
}
