import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configErrorMessage as message, envSource as source } from '../../../../test/support/config-source';
import { HubConfig, loadHubConfig } from './hub-config';

describe('hub config: tokens', () => {
  it.each(['ADMIN', 'VIEWER', 'NODE'])('refuses a %s role token shorter than 16 characters, naming the key', (role) => {
    const key = `${role.toLowerCase()}_tokens`;
    expect(message(() => loadHubConfig(source({ [`COMPUTEHUB_${role}_TOKENS`]: 'a' })))).toBe(
      `config: ${key} (from COMPUTEHUB_${role}_TOKENS) must be a list of tokens of 16 to 512 characters without spaces (entry 1 has 1 character)`,
    );
    expect(message(() => loadHubConfig(source({ [`COMPUTEHUB_${role}_TOKENS`]: '0123456789abcde' })))).toMatch(/entry 1 has 15 characters\)$/);
    expect(loadHubConfig(source({ [`COMPUTEHUB_${role}_TOKENS`]: '0123456789abcdef' })).config.values[key as 'admin_tokens']).toEqual(['0123456789abcdef']);
  });

  it("keeps the original's rule of 8 characters for the legacy token", () => {
    expect(loadHubConfig(source({ COMPUTEHUB_TOKEN: '12345678' })).config.values.token).toBe('12345678');
    expect(message(() => loadHubConfig(source({ COMPUTEHUB_TOKEN: '1234567' })))).toBe(
      'config: token (from COMPUTEHUB_TOKEN) must be a token of 8 to 512 characters without spaces (got <hidden>, 7 characters)',
    );
  });

  it('holds values given in code to the same rules', () => {
    expect(message(() => HubConfig.fromValues({ admin_tokens: ['short'] }))).toMatch(/^config: admin_tokens \(given in code\) must be a list of tokens of 16/);
  });

  it('writes a first-run token of 32 random bytes', () => {
    const src = source({});
    const loaded = loadHubConfig(src);
    const token = /token = "([^"]+)"/.exec(readFileSync(loaded.createdFile!, 'utf8'))![1];
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(loaded.config.values.token).toBe(token);
  });
});

describe('hub config: unknown keys', () => {
  it.each([
    ['admin_token = ["0123456789abcdef0"]', 'admin_token', 'admin_tokens'],
    ['metric_public = true', 'metric_public', 'metrics_public'],
    ['auto_finsh = true', 'auto_finsh', 'auto_finish'],
  ])('refuses the near miss %s, naming the likely key', (text, typo, likely) => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-config-'));
    const file = join(dir, 'computehub.toml');
    writeFileSync(file, `token = "legacy-token-0001"\n${text}\n`);
    expect(message(() => loadHubConfig({ argv: ['-c', file], env: {}, homeDir: dir, systemDirs: [] }))).toBe(
      `config: ${typo}: did you mean ${likely}? (an unknown key in ${file})`,
    );
  });

  it("warns about the original's keys and keys that resemble none of ours", () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-config-'));
    const file = join(dir, 'computehub.toml');
    writeFileSync(file, 'token = "legacy-token-0001"\narchitecture = "x86_64"\nlog_level = "info"\nwebhook_url = "x"\n');
    expect(loadHubConfig({ argv: ['-c', file], env: {}, homeDir: dir, systemDirs: [] }).warnings).toEqual([
      `config: key architecture in ${file} is not used by GridCore; ignored`,
      `config: key log_level in ${file} is not used by GridCore; ignored`,
      `config: key webhook_url in ${file} is unknown; ignored`,
    ]);
  });
});

describe('hub config: messages are sentences', () => {
  it.each([
    ['COMPUTEHUB_BIND', 'localhost'],
    ['COMPUTEHUB_STATE_STORE', 'sql'],
    ['COMPUTEHUB_STATE_REDIS_URL', 'http://x'],
    ['COMPUTEHUB_TOKEN', 'short'],
    ['COMPUTEHUB_NODE_TOKENS', 'short'],
    ['COMPUTEHUB_CLEANUP_INTERVAL_S', 'soon'],
  ])('%s=%s is refused in words, never with a regular expression', (variable, value) => {
    const text = message(() => loadHubConfig(source({ COMPUTEHUB_TOKEN: 'legacy-token-0001', [variable]: value })));
    expect(text).toMatch(new RegExp(`^config: ${variable.slice('COMPUTEHUB_'.length).toLowerCase()} \\(from ${variable}\\) must be `));
    expect(text).not.toMatch(/\/\^|\$\/|\\[sSdw]|\[\^|\{\d+,\d*\}/);
    expect(text).not.toContain('\n');
  });
});
