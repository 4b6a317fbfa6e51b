import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { ConfigSource, loadConfig, locateConfigFile } from './config-loader';

const schema = {
  bind: { type: 'string', default: '0.0.0.0:8080', format: { pattern: /^[^\s:]+:\d+$/, expected: 'an address host:port' } },
  token: { type: 'string', secret: true },
  parallelism: { type: 'int', min: 1, max: 4096 },
  auto_finish: { type: 'bool', default: false },
  admin_tokens: { type: 'string[]', default: [] },
  role_tokens: { type: 'string[]', default: [], secret: true, items: { pattern: /^\S{16,}$/, expected: 'tokens of at least 16 characters' } },
  labels: { type: 'map', default: {} },
} as const;
const spec = { appVariable: 'APP_CONFIG', envPrefix: 'APP_', fileNames: ['app.toml', 'legacy.toml'], schema, ignoredKeys: ['architecture'] };

function sandbox(): { home: string; source: (env?: Record<string, string>, argv?: string[]) => ConfigSource } {
  const home = mkdtempSync(join(tmpdir(), 'gridcore-config-'));
  return {
    home,
    source: (env = {}, argv = []) => ({ argv, env, homeDir: home, systemDirs: [join(home, 'etc')] }),
  };
}

function write(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('uses defaults when no file exists', () => {
    const { source } = sandbox();
    const loaded = loadConfig(spec, source());
    expect(loaded.file).toBeNull();
    expect(loaded.values.bind).toBe('0.0.0.0:8080');
    expect(Object.isFrozen(loaded.values)).toBe(true);
  });

  it('looks up -c, the app variable, GRIDCORE_CONFIG, IDM_GRIDCORE_CONFIG, user and system dirs in that order', () => {
    const { home, source } = sandbox();
    const sys = write(join(home, 'etc', 'app.toml'), 'bind = "sys"');
    expect(locateConfigFile(spec, source())).toBe(sys);
    const original = write(join(home, '.config', 'idm-gridcore', 'app.toml'), 'bind = "orig"');
    expect(locateConfigFile(spec, source())).toBe(original);
    const ours = write(join(home, '.config', 'gridcore', 'legacy.toml'), 'bind = "ours"');
    expect(locateConfigFile(spec, source())).toBe(ours);
    const idmDir = join(home, 'idm');
    const idm = write(join(idmDir, 'app.toml'), '');
    expect(locateConfigFile(spec, source({ IDM_GRIDCORE_CONFIG: idmDir }))).toBe(idm);
    const shared = write(join(home, 'shared.toml'), '');
    expect(locateConfigFile(spec, source({ IDM_GRIDCORE_CONFIG: idmDir, GRIDCORE_CONFIG: shared }))).toBe(shared);
    const own = write(join(home, 'own.toml'), '');
    expect(locateConfigFile(spec, source({ GRIDCORE_CONFIG: shared, APP_CONFIG: own }))).toBe(own);
    const cli = write(join(home, 'cli.toml'), '');
    expect(locateConfigFile(spec, source({ APP_CONFIG: own }, ['-c', cli]))).toBe(cli);
    expect(locateConfigFile(spec, source({}, [`--config=${cli}`]))).toBe(cli);
  });

  it('fails in one line when an explicit path does not exist', () => {
    const { source } = sandbox();
    expect(() => loadConfig(spec, source({}, ['-c', '/nonexistent/app.toml']))).toThrow(
      new ConfigError('config: -c names /nonexistent/app.toml, which holds no app.toml or legacy.toml'),
    );
  });

  it('lets env win over the file, with lists and maps', () => {
    const { home, source } = sandbox();
    const file = write(join(home, 'a.toml'), 'bind = "1.2.3.4:80"\nparallelism = 4\nlabels = { zone = "a" }');
    const loaded = loadConfig(
      spec,
      source({ APP_PARALLELISM: '16', APP_ADMIN_TOKENS: 'a, b', APP_LABELS: 'zone=lab,gpu=h100', APP_AUTO_FINISH: 'true' }, ['-c', file]),
    );
    expect(loaded.values).toMatchObject({
      bind: '1.2.3.4:80',
      parallelism: 16,
      admin_tokens: ['a', 'b'],
      labels: { zone: 'lab', gpu: 'h100' },
      auto_finish: true,
    });
  });

  it('warns about unknown and unused keys that resemble no known key instead of failing', () => {
    const { home, source } = sandbox();
    const file = write(join(home, 'a.toml'), 'architecture = "x86_64"\nfoo = 1');
    const loaded = loadConfig(spec, source({}, ['-c', file]));
    expect(loaded.warnings).toEqual([
      `config: key architecture in ${file} is not used by GridCore; ignored`,
      `config: key foo in ${file} is unknown; ignored`,
    ]);
  });

  it.each([
    ['paralellism = 8', 'paralellism', 'parallelism'],
    ['Parallelism = 8', 'Parallelism', 'parallelism'],
    ['binds = "a:1"', 'binds', 'bind'],
    ['tokn = "x"', 'tokn', 'token'],
    ['auto-finish = true', 'auto-finish', 'auto_finish'],
    ['label = { a = "b" }', 'label', 'labels'],
  ])('refuses %s, a near miss of a known key, naming the likely key', (text, typo, likely) => {
    const { home, source } = sandbox();
    const file = write(join(home, 'a.toml'), text);
    expect(() => loadConfig(spec, source({}, ['-c', file]))).toThrow(
      new ConfigError(`config: ${typo}: did you mean ${likely}? (an unknown key in ${file})`),
    );
  });

  it('refuses a list entry that breaks its rule in words, naming a secret entry by position and length only', () => {
    const { home, source } = sandbox();
    const file = write(join(home, 'a.toml'), 'role_tokens = ["long-enough-token-1", "short"]');
    expect(() => loadConfig(spec, source({}, ['-c', file]))).toThrow(
      new ConfigError(`config: role_tokens in ${file} must be a list of tokens of at least 16 characters (entry 2 has 5 characters)`),
    );
    expect(() => loadConfig(spec, source({ APP_ROLE_TOKENS: 'a' }))).toThrow(
      new ConfigError('config: role_tokens (from APP_ROLE_TOKENS) must be a list of tokens of at least 16 characters (entry 1 has 1 character)'),
    );
    expect(loadConfig(spec, source({ APP_ROLE_TOKENS: 'long-enough-token-1,long-enough-token-2' })).values.role_tokens).toHaveLength(2);
  });

  it('describes a format in words, never as a regular expression', () => {
    const { source } = sandbox();
    let message = '';
    try {
      loadConfig(spec, source({ APP_BIND: 'no port' }));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('config: bind (from APP_BIND) must be an address host:port (got "no port")');
    expect(message).not.toMatch(/[\^$\\]|\/.*\//);
  });

  it.each([
    ['parallelism = 0', /config: parallelism in .* must be an integer from 1 to 4096 \(got 0\)/],
    ['parallelism = "four"', /parallelism .* must be an integer/],
    ['auto_finish = "yes"', /auto_finish .* must be true or false/],
    ['token = 5', /token .* must be a string \(got <hidden>\)/],
    ['bind = [', /is not valid TOML/],
  ])('refuses %s with one line naming the key', (text, message) => {
    const { home, source } = sandbox();
    const file = write(join(home, 'a.toml'), text);
    let error: unknown;
    try {
      loadConfig(spec, source({}, ['-c', file]));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('refuses a bad env value naming the variable', () => {
    const { source } = sandbox();
    expect(() => loadConfig(spec, source({ APP_PARALLELISM: 'many' }))).toThrow(/parallelism \(from APP_PARALLELISM\)/);
  });
});
