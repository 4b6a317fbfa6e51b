import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@gridcore/config';
import { loadHubConfig } from './hub-config';

describe('max_nodes', () => {
  const load = (env: Record<string, string>) =>
    loadHubConfig({ argv: [], env: { COMPUTEHUB_TOKEN: 'a-token-of-32-characters-or-so-00', ...env }, homeDir: mkdtempSync(join(tmpdir(), 'gridcore-cfg-')) });

  it('defaults to 100,000 and takes a whole number from env', () => {
    expect(load({}).config.values.max_nodes).toBe(100_000);
    expect(load({ COMPUTEHUB_MAX_NODES: '250' }).config.values.max_nodes).toBe(250);
  });

  it.each(['0', '-1', '1.5', 'many'])('refuses %s in one line naming the key', (value) => {
    expect(() => load({ COMPUTEHUB_MAX_NODES: value })).toThrow(ConfigError);
    expect(() => load({ COMPUTEHUB_MAX_NODES: value })).toThrow(/max_nodes/);
  });
});
