import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A tiny worker image for the node's tests, made without a registry by `docker import` of a
 * folder holding the host's static busybox and one shell script. Its behaviour is chosen by env:
 *   MODE=serve (default)  runs until SIGTERM, then exits 0 at once (TERM_DELAY_S delays that)
 *   MODE=exit             exits with EXIT_CODE (default 0) after EXIT_AFTER_S (default 0)
 *   MODE=ignore-term      ignores SIGTERM (the node must SIGKILL it after stop_timeout)
 * Every start appends a line to /proc/1/fd/1 (the container log) so tests can count starts.
 */
export const TEST_IMAGE = 'gridcore-test/sh-worker:3';

const SCRIPT = `#!/bin/sh
echo "start task=$TASK_NAME node=$NODE_ID instance=$INSTANCE_ID run=$RUN_ID"
case "\${MODE:-serve}" in
  exit)
    sleep "\${EXIT_AFTER_S:-0}"
    exit "\${EXIT_CODE:-0}" ;;
  ignore-term)
    trap '' TERM
    while true; do sleep 1; done ;;
  *)
    trap 'sleep "\${TERM_DELAY_S:-0}"; echo "term"; exit 0' TERM
    # sleep in the background and wait: a trap runs at once while wait is interrupted.
    while true; do sleep 1 & wait $!; done ;;
esac
`;

function hasImage(image: string): boolean {
  return spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status === 0;
}

/** Builds the test image once per engine (a lock keeps parallel test files from racing). */
export function ensureTestImage(): string {
  if (hasImage(TEST_IMAGE)) return TEST_IMAGE;
  const dir = mkdtempSync(join(tmpdir(), 'gridcore-sh-image-'));
  try {
    const root = join(dir, 'root');
    mkdirSync(join(root, 'bin'), { recursive: true });
    mkdirSync(join(root, 'tmp'), { recursive: true });
    copyFileSync('/usr/bin/busybox', join(root, 'bin', 'busybox'));
    chmodSync(join(root, 'bin', 'busybox'), 0o755);
    for (const applet of ['sh', 'sleep', 'echo', 'cat', 'env']) symlinkSync('busybox', join(root, 'bin', applet));
    writeFileSync(join(root, 'worker.sh'), SCRIPT, { mode: 0o755 });
    const tar = join(dir, 'root.tar');
    execFileSync('tar', ['-C', root, '-cf', tar, '.']);
    const lock = join(tmpdir(), 'gridcore-sh-image.lock');
    execFileSync('flock', [
      lock,
      'sh',
      '-c',
      `docker image inspect ${TEST_IMAGE} >/dev/null 2>&1 || docker import -c 'CMD ["/bin/sh","/worker.sh"]' -c 'ENV PATH=/bin' ${tar} ${TEST_IMAGE} >/dev/null`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return TEST_IMAGE;
}

/**
 * Fails (never skips) when no engine answers: under CI=true that is the rule, and locally it
 * tells the developer to run scripts/ensure-system.sh.
 */
export function requireDockerEngine(): void {
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('no Docker engine answers: run `bash scripts/ensure-system.sh` (npm test does)');
  }
}

/** `docker inspect` read back as JSON, for asserting what the engine really got. */
export function dockerInspect(id: string): any {
  return JSON.parse(execFileSync('docker', ['inspect', id], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }))[0];
}

/**
 * Many containers in one `docker inspect` (one CLI start, not one per container: a poll of four
 * containers took ~1 s on a loaded machine that way); those removed meanwhile are left out.
 */
export function dockerInspectMany(ids: string[]): any[] {
  if (ids.length === 0) return [];
  const r = spawnSync('docker', ['inspect', ...ids], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    return JSON.parse(r.stdout || '[]') as any[];
  } catch {
    return [];
  }
}

/** Removes every container that carries `label` (k=v). */
export function removeLabelled(label: string): void {
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=${label}`], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
  if (ids.length) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
}

export function listLabelled(label: string, all = true): string[] {
  const args = ['ps', '-q', '--no-trunc', '--filter', `label=${label}`];
  if (all) args.splice(1, 0, '-a');
  return execFileSync('docker', args, { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
}
