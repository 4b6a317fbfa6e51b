import { readFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem } from 'node:os';

interface CpuTimes {
  idle: number;
  total: number;
}

function cpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** Host CPU % between two calls, memory % and load averages, for the heartbeat's `usage`. */
export class HostUsageMeter {
  private last: CpuTimes = cpuTimes();

  cpuPct(): number {
    const now = cpuTimes();
    const total = now.total - this.last.total;
    const idle = now.idle - this.last.idle;
    this.last = now;
    if (total <= 0) return 0;
    return round(Math.min(100, Math.max(0, (100 * (total - idle)) / total)));
  }

  /** Uses MemAvailable (page cache counts as free), like `free`; falls back to os.freemem. */
  async memPct(): Promise<number> {
    let available = freemem();
    let total = totalmem();
    try {
      const info = await readFile('/proc/meminfo', 'utf8');
      const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(info)?.[1]);
      if (kb('MemTotal') > 0 && kb('MemAvailable') >= 0) {
        total = kb('MemTotal') * 1024;
        available = kb('MemAvailable') * 1024;
      }
    } catch {
      // not Linux: os figures are fine
    }
    return round(Math.min(100, Math.max(0, (100 * (total - available)) / total)));
  }

  loads(): { load1: number; load5: number; load15: number } {
    const [load1, load5, load15] = loadavg();
    return { load1: round(load1), load5: round(load5), load15: round(load15) };
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
