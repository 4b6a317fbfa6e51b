import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from '../support/ports';
import {
  BASE_NODE_IMAGE,
  BASE_PYTHON_IMAGE,
  buildImage,
  BuiltImage,
  contentHash,
  docker,
  ensureBaseImages,
  fromImages,
  removeContainersByLabel,
} from '../support/docker';

/**
 * Dockerfile.hub and Dockerfile.node build on the registry-less base image and run as SPEC §6 says.
 * GRIDCORE_IMAGE_CONTEXT builds another tree (a `git archive` of a commit, say); default: this checkout.
 * Containers run with --network none: the hub is reached on its own loopback through `docker exec`.
 */
const CONTEXT = resolve(process.env.GRIDCORE_IMAGE_CONTEXT ?? join(__dirname, '..', '..'));
const LABEL = 'gridcore.test=deploy-images';

jest.setTimeout(20 * 60_000);

describe('application images', () => {
  let hub: BuiltImage;
  let node: BuiltImage;

  beforeAll(async () => {
    await ensureBaseImages();
    const args = { BASE_IMAGE: BASE_NODE_IMAGE };
    hub = await buildImage('gridcore-test/computehub:deploy', CONTEXT, 'Dockerfile.hub', args);
    node = await buildImage('gridcore-test/gridnode:deploy', CONTEXT, 'Dockerfile.node', args);
    const size = async (tag: string) => Number((await docker(['image', 'inspect', '-f', '{{.Size}}', tag])).stdout) / 1e6;
    console.log(
      `images: ${hub.tag} ${(await size(hub.tag)).toFixed(0)} MB (${hub.cached ? 'cached' : `built in ${hub.ms} ms`}), ` +
        `${node.tag} ${(await size(node.tag)).toFixed(0)} MB (${node.cached ? 'cached' : `built in ${node.ms} ms`})`,
    );
  });

  afterAll(async () => {
    await removeContainersByLabel(LABEL);
  });

  it('has base images that provide node, npm, /bin/sh and /usr/bin/env, and python with redis-py', async () => {
    const out = await docker(['run', '--rm', '--network', 'none', BASE_NODE_IMAGE, '/bin/sh', '-c', '/usr/bin/env node --version && npm --version']);
    expect(out.stdout).toMatch(/^v2\d+\.\d+\.\d+\n\d+\.\d+\.\d+/);
    const py = await docker(['run', '--rm', '--network', 'none', BASE_PYTHON_IMAGE, 'python3', '-c', 'import redis, ssl; print("ok")']);
    expect(py.stdout.trim()).toBe('ok');
  });

  it('does not rebuild an image whose context, Dockerfile, build args and base did not change', async () => {
    // The repository's own context changes while others edit the tree, so a small context of
    // its own shows the caching; the real Dockerfile shows the FROM resolution.
    const text = readFileSync(join(CONTEXT, 'Dockerfile.hub'), 'utf8');
    expect(fromImages(text)).toEqual(['node:20-bookworm-slim']);
    expect(fromImages(text, { BASE_IMAGE: BASE_NODE_IMAGE })).toEqual([BASE_NODE_IMAGE]);

    const dir = mkdtempSync(join(tmpdir(), 'gridcore-build-ctx-'));
    try {
      writeFileSync(join(dir, 'Dockerfile'), `ARG BASE_IMAGE=${BASE_NODE_IMAGE}\nFROM \${BASE_IMAGE}\nCOPY data.txt /data.txt\n`);
      writeFileSync(join(dir, '.dockerignore'), 'ignored/\n');
      writeFileSync(join(dir, 'data.txt'), 'one');
      const first = await buildImage('gridcore-test/context-hash:deploy', dir);
      const unchanged = await buildImage('gridcore-test/context-hash:deploy', dir);
      expect(unchanged).toMatchObject({ cached: true, id: first.id });
      const dockerfileText = readFileSync(join(dir, 'Dockerfile'), 'utf8');
      expect(await contentHash(dir, join(dir, 'Dockerfile'), dockerfileText, {})).toBe(first.hash);
      // Another base image (a different image id behind the FROM) is another hash.
      expect(await contentHash(dir, join(dir, 'Dockerfile'), dockerfileText, { BASE_IMAGE: BASE_PYTHON_IMAGE })).not.toBe(first.hash);
      mkdirSync(join(dir, 'ignored'));
      writeFileSync(join(dir, 'ignored', 'x.txt'), 'not in the context');
      expect((await buildImage('gridcore-test/context-hash:deploy', dir)).cached).toBe(true);
      writeFileSync(join(dir, 'data.txt'), 'two');
      const changed = await buildImage('gridcore-test/context-hash:deploy', dir);
      expect(changed.cached).toBe(false);
      expect(changed.hash).not.toBe(first.hash);
      const content = await docker(['run', '--rm', '--network', 'none', changed.tag, 'cat', '/data.txt']);
      expect(content.stdout).toBe('two');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await docker(['image', 'rm', '-f', 'gridcore-test/context-hash:deploy'], { allowFailure: true });
    }
  });

  it('runs the hub as user 10001 with node as PID 1, answering /health and its HEALTHCHECK', async () => {
    const config = JSON.parse((await docker(['image', 'inspect', '-f', '{{json .Config}}', hub.tag])).stdout);
    expect(config.User).toBe('10001:10001');
    expect(config.Entrypoint[0]).toBe('node');
    expect(config.Healthcheck.Test.join(' ')).toContain('/health/live');
    const id = (
      await docker(['run', '-d', '--label', LABEL, '--network', 'none', '--health-interval', '1s', '--health-start-period', '1s', hub.tag])
    ).stdout.trim();
    const health = await waitFor(
      async () => {
        const s = (await docker(['inspect', '-f', '{{.State.Health.Status}}', id])).stdout.trim();
        return s === 'healthy' ? s : undefined;
      },
      60_000,
      'the hub container to report healthy',
      500,
    );
    expect(health).toBe('healthy');
    const body = await docker(['exec', id, 'node', '-e', "fetch('http://127.0.0.1:8080/health').then(r=>r.text()).then(t=>process.stdout.write(t))"]);
    expect(body.stdout).toBe('OK');
    const cmdline = await docker(['exec', id, 'cat', '/proc/1/cmdline']);
    expect(cmdline.stdout.split('\0')[0]).toBe('node');
    const uid = await docker(['exec', id, 'id', '-u']);
    expect(uid.stdout.trim()).toBe('10001');
    // SIGTERM reaches node (exec form, no shell): the hub closes and exits 0 well before the 10 s timeout.
    const stopStarted = Date.now();
    await docker(['stop', '-t', '10', id], { timeoutMs: 30_000 });
    const stopMs = Date.now() - stopStarted;
    console.log(`hub container stopped in ${stopMs} ms`);
    expect(stopMs).toBeLessThan(5_000);
    expect((await docker(['inspect', '-f', '{{.State.ExitCode}}', id])).stdout.trim()).toBe('0');
  });

  it('checks the node with its status file, as root, with node as the entrypoint', async () => {
    const config = JSON.parse((await docker(['image', 'inspect', '-f', '{{json .Config}}', node.tag])).stdout);
    expect(['0', 'root']).toContain(config.User);
    expect(config.Entrypoint).toEqual(['node', 'dist/apps/gridnode/apps/gridnode/src/main.js']);
    expect(config.Healthcheck.Test).toEqual(['CMD', 'node', '/app/healthcheck.js']);
    const stateDir = mkdtempSync(join(tmpdir(), 'gridcore-node-state-'));
    try {
      const probe = () =>
        docker(['run', '--rm', '--label', LABEL, '--network', 'none', '-v', `${stateDir}:/var/lib/gridcore`, '--entrypoint', 'node', node.tag, '/app/healthcheck.js'], {
          allowFailure: true,
        });
      expect((await probe()).code).toBe(1);
      writeFileSync(join(stateDir, 'status.json'), JSON.stringify({ last_heartbeat_ok: Date.now(), node_id: 'n-test', pid: 1 }));
      const ok = await probe();
      expect(ok).toMatchObject({ code: 0, stdout: expect.stringContaining('healthy: node n-test') });
      writeFileSync(join(stateDir, 'status.json'), JSON.stringify({ last_heartbeat_ok: Date.now() - 10 * 60_000, node_id: 'n-test', pid: 1 }));
      expect((await probe()).code).toBe(1);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
