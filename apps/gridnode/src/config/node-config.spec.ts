import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ConfigSource } from '@gridcore/config';
import { loadNodeConfig } from './node-config';

function sandbox(files: Record<string, string> = {}) {
  const home = mkdtempSync(join(tmpdir(), 'gridnode-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(home, name), text);
  const source = (env: Record<string, string> = {}, argv: string[] = []): ConfigSource => ({ argv, env, homeDir: home, systemDirs: [join(home, 'etc')] });
  return { home, source };
}

function failure(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('loadNodeConfig', () => {
  it('runs from env alone (a pod with no file), with defaults of SPEC §8', () => {
    const { source } = sandbox();
    const config = loadNodeConfig(source({ GRIDNODE_SERVER_URL: 'http://hub:8080/', GRIDNODE_TOKEN: 't', GRIDNODE_LABELS: 'zone=lab,gpu=h100', GRIDNODE_PARALLELISM: '16' }));
    expect(config).toMatchObject({
      serverUrl: 'http://hub:8080',
      token: 't',
      parallelism: 16,
      heartbeatIntervalS: 30,
      stopTimeoutS: 30,
      containerMemoryMb: 1024,
      dockerSocket: '/var/run/docker.sock',
      stateDir: '/var/lib/gridcore',
      labels: { zone: 'lab', gpu: 'h100' },
      nodeId: null,
      networkMode: null,
      file: null,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reads an original user's agent.toml, keeps its node_id, warns about architecture, keeps state beside it", () => {
    const { home, source } = sandbox({
      'agent.toml': 'server_url = "http://10.0.0.1:8080"\ntoken = "x"\nnode_id = "node-7"\narchitecture = "x86_64"\nparallelism = 4\nheartbeat_interval = 30\n',
    });
    const config = loadNodeConfig(source({}, ['-c', join(home, 'agent.toml')]));
    expect(config).toMatchObject({ nodeId: 'node-7', parallelism: 4, stateDir: home });
    expect(config.warnings).toEqual([`config: key architecture in ${join(home, 'agent.toml')} is not used by GridCore; ignored`]);
  });

  it('hardens by default and reads the volunteer\'s image policy from the file and env', () => {
    const { home, source } = sandbox({ 'gridnode.toml': 'server_url = "http://a:1"\nallowed_images = ["ghcr.io/me/*", "python:3.*"]\nrequire_digest = true\n' });
    expect(loadNodeConfig(source({ GRIDNODE_SERVER_URL: 'http://a:1' }))).toMatchObject({ pidsLimit: 512, allowedImages: [], requireDigest: false, allowGpus: true });
    const file = loadNodeConfig(source({ GRIDNODE_CONFIG: join(home, 'gridnode.toml') }));
    expect(file).toMatchObject({ allowedImages: ['ghcr.io/me/*', 'python:3.*'], requireDigest: true, allowGpus: true });
    const env = loadNodeConfig(
      source({ GRIDNODE_SERVER_URL: 'http://a:1', GRIDNODE_ALLOWED_IMAGES: 'ghcr.io/a/*,ghcr.io/b/*', GRIDNODE_ALLOW_GPUS: 'false', GRIDNODE_PIDS_LIMIT: '100' }),
    );
    expect(env).toMatchObject({ allowedImages: ['ghcr.io/a/*', 'ghcr.io/b/*'], allowGpus: false, pidsLimit: 100 });
  });

  it('reads labels and the facts it reports of itself from gridnode.toml (issue 21.2), naming a bad key in one line', () => {
    const { home, source } = sandbox({
      'gridnode.toml': 'server_url = "http://a:1"\nplatform = "linux/arm64"\ncpu_count = 4\nmemory_total_mb = 1024\n[labels]\nregion = "eu"\ndisk = "ssd"\n',
      'bad-labels.toml': 'server_url = "http://a:1"\n[labels]\nregion = 3\n',
      'bad-platform.toml': 'server_url = "http://a:1"\nplatform = "arm64"\n',
    });
    const config = loadNodeConfig(source({ GRIDNODE_CONFIG: join(home, 'gridnode.toml') }));
    expect(config.labels).toEqual({ region: 'eu', disk: 'ssd' });
    expect(config.reportedFacts).toEqual({ platform: 'linux/arm64', cpuCount: 4, memoryTotalMb: 1024 });
    expect(loadNodeConfig(source({ GRIDNODE_SERVER_URL: 'http://a:1' })).reportedFacts).toEqual({ platform: null, cpuCount: null, memoryTotalMb: null });
    const labels = failure(() => loadNodeConfig(source({ GRIDNODE_CONFIG: join(home, 'bad-labels.toml') })));
    expect(labels.message).toMatch(/^config: labels in .*bad-labels.toml must be a table of strings/);
    expect(labels.message).not.toContain('\n');
    const platform = failure(() => loadNodeConfig(source({ GRIDNODE_CONFIG: join(home, 'bad-platform.toml') })));
    expect(platform.message).toMatch(/^config: platform in .* must be a platform such as linux\/arm64 \(got "arm64"\)$/);
  });

  it('lets env win over the file', () => {
    const { home, source } = sandbox({ 'gridnode.toml': 'server_url = "http://a:1"\nstop_timeout = 5\n' });
    const config = loadNodeConfig(source({ GRIDNODE_STOP_TIMEOUT: '2', GRIDNODE_CONFIG: join(home, 'gridnode.toml') }));
    expect(config).toMatchObject({ serverUrl: 'http://a:1', stopTimeoutS: 2 });
  });

  it.each([
    ['missing server_url', {}, 'token = "x"\n', /^config: server_url is required: set it in .*gridnode.toml or GRIDNODE_SERVER_URL/],
    ['parallelism 0', {}, 'server_url = "http://a:1"\nparallelism = 0\n', /^config: parallelism in .* must be an integer from 1 to 4096 \(got 0\)$/],
    ['unreadable TOML', {}, 'server_url = "http://a:1\n', /^config: .*gridnode.toml is not valid TOML/],
    ['a bad env value', { GRIDNODE_HEARTBEAT_INTERVAL: 'often' }, 'server_url = "http://a:1"\n', /^config: heartbeat_interval \(from GRIDNODE_HEARTBEAT_INTERVAL\) must be an integer/],
    ['a server_url that is no URL', {}, 'server_url = "hub"\n', /^config: server_url in .* must be an http:\/\/ or https:\/\/ URL such as http:\/\/hub:8080 \(got "hub"\)$/],
    ['a typo of parallelism', {}, 'server_url = "http://a:1"\nparalellism = 4\n', /^config: paralellism: did you mean parallelism\? \(an unknown key in .*gridnode\.toml\)$/],
    ['a pids_limit too small to start a worker', {}, 'server_url = "http://a:1"\npids_limit = 4\n', /^config: pids_limit in .* must be an integer from 32 to 4194304 \(got 4\)$/],
    ['allowed_images that is not a list', {}, 'server_url = "http://a:1"\nallowed_images = "ghcr.io/me/*"\n', /^config: allowed_images in .* must be /],
    ['an allowed_images pattern with a space', {}, 'server_url = "http://a:1"\nallowed_images = ["ghcr.io/me/* x"]\n', /^config: allowed_images in .* must be a list of image patterns such as "ghcr.io\/me\/\*" \(no spaces\) \(got "ghcr.io\/me\/\* x"\)$/],
    ['require_digest that is not a boolean', { GRIDNODE_REQUIRE_DIGEST: 'maybe' }, 'server_url = "http://a:1"\n', /^config: require_digest \(from GRIDNODE_REQUIRE_DIGEST\) must be /],
    ['allow_gpus that is not a boolean', {}, 'server_url = "http://a:1"\nallow_gpus = "no"\n', /^config: allow_gpus in .* must be /],
  ])('refuses %s with one line naming the key', (_name, env, text, message) => {
    const { home, source } = sandbox({ 'gridnode.toml': text });
    const err = failure(() => loadNodeConfig(source({ ...env, GRIDNODE_CONFIG: join(home, 'gridnode.toml') })));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('\n');
  });
});
