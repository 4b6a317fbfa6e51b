import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

const CONTAINER_ID = /[0-9a-f]{64}/;

interface ProcessSeen {
  /** Start time in ticks since boot: a reused pid is a new process. */
  start: number;
  ticks: number;
  /** Whether its name matches `idle_exclude`, or it is this agent. */
  excludedByName: boolean;
  /** The Docker container its cgroup names, if any. */
  containerId: string | null;
}

/**
 * The owner's share of the host's CPU between two samples: the host's busy time minus the time of
 * the grid's own containers' processes (told by their cgroup), this agent and the processes named
 * in `idle_exclude`. Reads /proc only (Linux); elsewhere every sample is 0.
 */
export class OwnerCpuMeter {
  private readonly seen = new Map<number, ProcessSeen>();
  private last: { busy: number; total: number } | null = null;

  constructor(
    private readonly exclude: readonly string[],
    private readonly procDir = '/proc',
    private readonly selfPid = process.pid,
  ) {}

  /** Owner CPU % (0..100 of the whole host) since the previous call; the first call answers 0. */
  async sample(gridContainers: ReadonlySet<string>): Promise<number> {
    let host: { busy: number; total: number };
    try {
      host = await this.hostTicks();
    } catch {
      return 0;
    }
    const notOwner = await this.notOwnerTicks(gridContainers);
    const previous = this.last;
    this.last = host;
    if (!previous) return 0;
    const total = host.total - previous.total;
    if (total <= 0) return 0;
    const owner = host.busy - previous.busy - notOwner;
    return Math.round(Math.min(100, Math.max(0, (100 * owner) / total)) * 10) / 10;
  }

  private async hostTicks(): Promise<{ busy: number; total: number }> {
    const line = (await readFile(join(this.procDir, 'stat'), 'utf8')).split('\n', 1)[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is inside user already)
    const total = f.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { busy: total - idle, total };
  }

  /** Ticks the grid's containers, this agent and the excluded processes used since the last scan. */
  private async notOwnerTicks(gridContainers: ReadonlySet<string>): Promise<number> {
    let entries: string[];
    try {
      entries = await readdir(this.procDir);
    } catch {
      return 0;
    }
    const firstScan = this.last === null;
    const alive = new Set<number>();
    let ticks = 0;
    await Promise.all(
      entries.map(async (name) => {
        const pid = Number(name);
        if (!Number.isInteger(pid) || pid <= 0) return;
        const stat = await this.stat(pid);
        if (!stat) return;
        alive.add(pid);
        let known = this.seen.get(pid);
        let delta: number;
        if (!known || known.start !== stat.start) {
          known = { start: stat.start, ticks: stat.ticks, ...(await this.classify(pid, stat.comm)) };
          this.seen.set(pid, known);
          // Born since the last scan: all of its time falls in this window.
          delta = firstScan ? 0 : stat.ticks;
        } else {
          delta = stat.ticks - known.ticks;
          known.ticks = stat.ticks;
        }
        if (known.excludedByName || (known.containerId !== null && gridContainers.has(known.containerId))) ticks += Math.max(0, delta);
      }),
    );
    for (const pid of this.seen.keys()) if (!alive.has(pid)) this.seen.delete(pid);
    return ticks;
  }

  private async stat(pid: number): Promise<{ comm: string; ticks: number; start: number } | null> {
    try {
      const text = await readFile(join(this.procDir, String(pid), 'stat'), 'utf8');
      const close = text.lastIndexOf(')');
      const comm = text.slice(text.indexOf('(') + 1, close);
      // Fields after the comm: state is field 3; utime 14, stime 15, starttime 22.
      const rest = text.slice(close + 2).split(' ');
      return { comm, ticks: Number(rest[11]) + Number(rest[12]), start: Number(rest[19]) };
    } catch {
      return null;
    }
  }

  private async classify(pid: number, comm: string): Promise<{ excludedByName: boolean; containerId: string | null }> {
    if (pid === this.selfPid) return { excludedByName: true, containerId: null };
    const [cmdline, cgroup] = await Promise.all([
      readFile(join(this.procDir, String(pid), 'cmdline'), 'utf8').catch(() => ''),
      readFile(join(this.procDir, String(pid), 'cgroup'), 'utf8').catch(() => ''),
    ]);
    const argv = cmdline.split('\0').filter(Boolean);
    const names = new Set([comm, ...(argv[0] ? [basename(argv[0])] : []), ...argv.flatMap((a) => (a.startsWith('/') || a.includes('/') ? a.split('/') : []))]);
    const excludedByName = this.exclude.some((n) => names.has(n));
    return { excludedByName, containerId: CONTAINER_ID.exec(cgroup)?.[0] ?? null };
  }
}

