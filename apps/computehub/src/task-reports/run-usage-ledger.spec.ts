import type { HeartbeatDto, InstanceStatusDto } from '@gridcore/contracts';
import { RunUsageLedger, usageTotals } from './run-usage-ledger';

const beat = (task: string | null, instances: InstanceStatusDto[]): HeartbeatDto => ({ node_id: 'n1', status: 'Running', active_containers: instances.length, task_name: task, instances });
const run = { id: 'r1', startedMs: 1_000, completedMs: null as number | null };

describe('RunUsageLedger', () => {
  it('sums the last reading of each container: a restart adds a container, it loses nothing', () => {
    const ledger = new RunUsageLedger();
    ledger.record('n1', beat('t', [{ instance: 0, state: 'running', restarts: 0, container_id: 'a', usage: { cpu_s: 1, gpu_s: 0 } }]), run, 1_500);
    ledger.record('n1', beat('t', [{ instance: 0, state: 'running', restarts: 0, container_id: 'a', usage: { cpu_s: 3, gpu_s: 0.5 } }]), run, 2_500);
    // The container exited: its last reading comes without a container id.
    ledger.record('n1', beat('t', [{ instance: 0, state: 'backoff', restarts: 0, usage: { cpu_s: 3.5, gpu_s: 0.5 } }]), run, 3_000);
    ledger.record('n1', beat('t', [{ instance: 0, state: 'running', restarts: 1, container_id: 'b', usage: { cpu_s: 2, gpu_s: 0 } }]), run, 4_000);
    const usage = ledger.of('r1').n1;
    expect(usage.containers).toEqual({ a: { cpu_s: 3.5, gpu_s: 0.5 }, b: { cpu_s: 2, gpu_s: 0 } });
    expect(usageTotals(usage)).toEqual({ cpu_s: 5.5, gpu_s: 0.5, containers: 2 });
    expect(usage.switched_in_ms).toBe(500);
    expect(ledger.takeChanged()).toEqual(['r1']);
    expect(ledger.takeChanged()).toEqual([]);
  });

  it('notes the switch out once the run completed and the node runs none of its containers', () => {
    const ledger = new RunUsageLedger();
    ledger.record('n1', beat('t', [{ instance: 0, state: 'running', restarts: 0, container_id: 'a', usage: { cpu_s: 1, gpu_s: 0 } }]), run, 1_200);
    const done = { ...run, completedMs: 5_000 };
    ledger.record('n1', beat('t', [{ instance: 0, state: 'stopping', restarts: 0, container_id: 'a', usage: { cpu_s: 1.2, gpu_s: 0 } }]), done, 5_400);
    ledger.record('n1', beat('next', []), { id: 'r2', startedMs: 5_000, completedMs: null }, 6_100, done);
    expect(ledger.of('r1').n1).toMatchObject({ switched_in_ms: 200, switched_out_ms: 1_100 });
    expect(usageTotals(ledger.of('r1').n1).cpu_s).toBe(1.2);
  });

  it('restores what a record kept and goes on from there', () => {
    const ledger = new RunUsageLedger();
    ledger.restore('r1', { n1: { containers: { a: { cpu_s: 4, gpu_s: 0 } }, switched_in_ms: 100, switched_out_ms: null } });
    ledger.record('n1', beat('t', [{ instance: 0, state: 'running', restarts: 0, container_id: 'a', usage: { cpu_s: 4.5, gpu_s: 0 } }]), run, 9_000);
    expect(ledger.of('r1').n1).toMatchObject({ containers: { a: { cpu_s: 4.5, gpu_s: 0 } }, switched_in_ms: 100 });
  });
});
