import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ConfigSource } from '@gridcore/config';

/** A config source of `env` alone: no argv, and home and system folders in a new empty folder, so no real config file is read. */
export function envSource(env: Record<string, string>): ConfigSource {
  const home = mkdtempSync(join(tmpdir(), 'gridcore-config-'));
  return { argv: [], env, homeDir: home, systemDirs: [join(home, 'etc')] };
}

/** The message of the ConfigError that `fn` throws; anything else (or nothing) fails the test. */
export function configErrorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}
