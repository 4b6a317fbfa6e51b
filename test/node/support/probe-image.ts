import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

/**
 * An image that reports what its container may do, for the hardening tests: the host's static
 * busybox and one script, made by `docker import` (no registry). It prints `probe key=value`
 * lines to its log, then serves until SIGTERM. MODE=probe tries a write under `/` and under
 * `/tmp` and reads CapEff and NoNewPrivs from /proc/self/status; MODE=forkbomb starts up to
 * BOMB_MAX sleeping processes (bounded, so a missing pids limit ends too), counts how many it
 * got from /proc without forking, and kills them.
 */
export const PROBE_IMAGE = 'gridcore-test/sh-probe:1';

const SCRIPT = `#!/bin/sh
echo "probe start run=$RUN_ID"
case "\${MODE:-probe}" in
  probe)
    if touch /probe-root-write 2>/dev/null; then echo "probe root_write=ok"; else echo "probe root_write=refused"; fi
    if echo x > /tmp/probe-tmp-write 2>/dev/null; then echo "probe tmp_write=ok"; else echo "probe tmp_write=refused"; fi
    echo "probe $(grep '^CapEff:' /proc/self/status | tr -d '\\t ')"
    echo "probe $(grep '^NoNewPrivs:' /proc/self/status | tr -d '\\t ')"
    ;;
  forkbomb)
    # The subshell forks until the kernel refuses (or BOMB_MAX); a refused fork ends it.
    ( i=0; while [ $i -lt "\${BOMB_MAX:-2000}" ]; do sleep 600 & i=$((i+1)); done; echo "probe bomb_loop=finished" ) 2>/dev/null
    n=0
    for p in /proc/[0-9]*; do n=$((n+1)); done
    echo "probe bomb_processes=$n"
    kill -9 -1 2>/dev/null
    sleep 1
    n=0
    for p in /proc/[0-9]*; do n=$((n+1)); done
    echo "probe after_kill_processes=$n"
    ;;
esac
echo "probe done"
trap 'exit 0' TERM
while true; do sleep 1 & wait $!; done
`;

/** Builds the probe image once per engine (a lock keeps parallel test files from racing). */
export function ensureProbeImage(): string {
  if (spawnSync('docker', ['image', 'inspect', PROBE_IMAGE], { stdio: 'ignore' }).status === 0) return PROBE_IMAGE;
  const dir = mkdtempSync(join(tmpdir(), 'gridcore-probe-image-'));
  try {
    const root = join(dir, 'root');
    mkdirSync(join(root, 'bin'), { recursive: true });
    mkdirSync(join(root, 'tmp'), { recursive: true });
    mkdirSync(join(root, 'proc'), { recursive: true });
    copyFileSync('/usr/bin/busybox', join(root, 'bin', 'busybox'));
    chmodSync(join(root, 'bin', 'busybox'), 0o755);
    for (const applet of ['sh', 'sleep', 'echo', 'cat', 'touch', 'grep', 'tr', 'kill']) symlinkSync('busybox', join(root, 'bin', applet));
    writeFileSync(join(root, 'probe.sh'), SCRIPT, { mode: 0o755 });
    const tar = join(dir, 'root.tar');
    execFileSync('tar', ['-C', root, '-cf', tar, '.']);
    execFileSync('flock', [
      join(tmpdir(), 'gridcore-probe-image.lock'),
      'sh',
      '-c',
      `docker image inspect ${PROBE_IMAGE} >/dev/null 2>&1 || docker import -c 'CMD ["/bin/sh","/probe.sh"]' -c 'ENV PATH=/bin' ${tar} ${PROBE_IMAGE} >/dev/null`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return PROBE_IMAGE;
}

/** The `probe key=value` lines a container logged so far, as a map. */
export function probeReport(containerId: string): Record<string, string> {
  const log = spawnSync('docker', ['logs', containerId], { encoding: 'utf8' });
  const report: Record<string, string> = {};
  for (const line of `${log.stdout}\n${log.stderr}`.split('\n')) {
    const m = /^probe (\w+)(?:[=:](.*))?$/.exec(line.trim());
    if (m) report[m[1]] = m[2] ?? '';
  }
  return report;
}
