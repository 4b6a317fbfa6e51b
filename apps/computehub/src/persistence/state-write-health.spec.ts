import type { StateTarget } from './state-target';
import { StateWriteHealth } from './state-write-health';

/** A target whose probe answers as told (the probe's own I/O is covered by the e2e test). */
function target(name: string, probe: () => Promise<void> = () => Promise.resolve()): StateTarget & { probes: number } {
  const t = {
    where: 'state_dir',
    name,
    probes: 0,
    probe: () => {
      t.probes += 1;
      return probe();
    },
  };
  return t;
}

describe('StateWriteHealth', () => {
  const enospc = () => Object.assign(new Error("ENOSPC: no space left on device, open '/var/lib/gridcore/tasks.json.7.tmp'"), { code: 'ENOSPC' });

  it('is healthy until a write fails, names the reason without the path, and recovers on the next success', async () => {
    const health = new StateWriteHealth();
    const tasks = target('tasks.json');
    await health.track(tasks, Promise.resolve());
    expect(health.problems()).toEqual([]);
    await expect(health.track(tasks, Promise.reject(enospc()))).rejects.toThrow(/ENOSPC/);
    expect(health.problems()).toEqual(['state_dir writes fail: ENOSPC: no space left on device, open (tasks.json)']);
    await health.track(tasks, Promise.resolve('done')).then((v) => expect(v).toBe('done'));
    expect(health.problems()).toEqual([]);
  });

  it("keeps each target apart: one success does not clear another target's failure", async () => {
    const health = new StateWriteHealth();
    await health.track(target('tasks.json'), Promise.reject(enospc())).catch(() => undefined);
    await health.track(target('nodes.json'), Promise.reject(enospc())).catch(() => undefined);
    await health.track(target('tasks.json'), Promise.resolve());
    expect(health.problems()).toEqual([expect.stringContaining('(nodes.json)')]);
  });

  it('probes only failing targets, at most every 5 s, and a probe that succeeds clears the failure', async () => {
    const health = new StateWriteHealth();
    let diskFull = true;
    const nodes = target('nodes.json', () => (diskFull ? Promise.reject(enospc()) : Promise.resolve()));
    await health.probeFailing(1_000);
    expect(nodes.probes).toBe(0);
    await health.track(nodes, Promise.reject(enospc())).catch(() => undefined);
    await health.probeFailing(10_000);
    expect(nodes.probes).toBe(1);
    expect(health.problems()).toHaveLength(1);
    diskFull = false;
    await health.probeFailing(12_000);
    expect(nodes.probes).toBe(1);
    await health.probeFailing(15_000);
    expect(nodes.probes).toBe(2);
    expect(health.problems()).toEqual([]);
  });
});
