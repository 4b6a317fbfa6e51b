import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * deploy/docker/gridnode-healthcheck.js: the node image's HEALTHCHECK and the DaemonSet's liveness
 * probe. It reads status.json in the state dir, which the agent writes after each accepted heartbeat.
 */
const SCRIPT = resolve(__dirname, '..', '..', 'deploy', 'docker', 'gridnode-healthcheck.js');

describe('gridnode health check', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridcore-health-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function check(env: Record<string, string> = {}): { code: number | null; out: string } {
    const r = spawnSync(process.execPath, [SCRIPT], {
      env: { PATH: process.env.PATH ?? '', GRIDNODE_STATE_DIR: dir, ...env },
      encoding: 'utf8',
      timeout: 10_000,
    });
    return { code: r.status, out: r.stdout + r.stderr };
  }
  function writeStatus(status: unknown): void {
    writeFileSync(join(dir, 'status.json'), typeof status === 'string' ? status : JSON.stringify(status));
  }

  it('is healthy after a recent accepted heartbeat', () => {
    writeStatus({ last_heartbeat_ok: Date.now() - 5_000, node_id: 'n1', pid: 42 });
    expect(check()).toEqual({ code: 0, out: expect.stringMatching(/healthy: node n1/) });
  });

  it('is unhealthy when the last heartbeat is older than 3 intervals (at least 60 s)', () => {
    writeStatus({ last_heartbeat_ok: Date.now() - 95_000, node_id: 'n1', pid: 42 });
    expect(check()).toEqual({ code: 1, out: expect.stringMatching(/limit 90 s/) });
    writeStatus({ last_heartbeat_ok: Date.now() - 65_000, node_id: 'n1', pid: 42 });
    expect(check({ GRIDNODE_HEARTBEAT_INTERVAL: '5' }).code).toBe(1);
    expect(check({ GRIDNODE_HEARTBEAT_INTERVAL: '60' }).code).toBe(0);
  });

  it('is unhealthy without a status file, or with one it cannot use', () => {
    expect(check()).toEqual({ code: 1, out: expect.stringMatching(/cannot read .*status\.json: ENOENT/) });
    writeStatus('{"last_heartbeat_ok":');
    expect(check().code).toBe(1);
    writeStatus({ last_heartbeat_ok: 'yesterday' });
    expect(check()).toEqual({ code: 1, out: expect.stringMatching(/no numeric last_heartbeat_ok/) });
  });

  it('reads /var/lib/gridcore when GRIDNODE_STATE_DIR is unset', () => {
    const r = spawnSync(process.execPath, [SCRIPT], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    expect(r.stdout).toContain('/var/lib/gridcore/status.json');
  });
});
