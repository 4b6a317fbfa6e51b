import { StateWriteHealth } from './state-write-health';

describe('StateWriteHealth', () => {
  const enospc = () => Object.assign(new Error("ENOSPC: no space left on device, open '/var/lib/gridcore/tasks.json.7.tmp'"), { code: 'ENOSPC' });

  it('is healthy until a write fails, names the reason without the path, and recovers on the next success', async () => {
    const health = new StateWriteHealth();
    await health.track('state_dir', 'tasks.json', Promise.resolve());
    expect(health.problems()).toEqual([]);
    await expect(health.track('state_dir', 'tasks.json', Promise.reject(enospc()))).rejects.toThrow(/ENOSPC/);
    expect(health.problems()).toEqual(['state_dir writes fail: ENOSPC: no space left on device, open (tasks.json)']);
    await health.track('state_dir', 'tasks.json', Promise.resolve('done')).then((v) => expect(v).toBe('done'));
    expect(health.problems()).toEqual([]);
  });

  it('keeps each target apart: one success does not clear another target\'s failure', async () => {
    const health = new StateWriteHealth();
    await health.track('state_dir', 'tasks.json', Promise.reject(enospc())).catch(() => undefined);
    await health.track('state_dir', 'nodes.json', Promise.reject(enospc())).catch(() => undefined);
    await health.track('state_dir', 'tasks.json', Promise.resolve());
    expect(health.problems()).toEqual([expect.stringContaining('(nodes.json)')]);
  });
});
