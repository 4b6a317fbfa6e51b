import type { TaskRecord } from '../tasks/task-record';
import { buildTaskReport, taskReportCsv } from './task-report';

const run = {
  id: 'r1', name: 'sqrt', status: 'completed', started_at: '2026-01-01T00:00:00.000Z', completed_at: '2026-01-01T00:01:30.500Z', completed_by: 'finish',
} as unknown as TaskRecord;
const progress = { pending: 0, in_flight: 0, done: 1000, dead: 3, requeued: 5, output_length: 1000, items_per_s: 0, eta_s: 0, per_node: { n1: 600, n2: 400 }, sampled_at: '', error: null };

describe('buildTaskReport', () => {
  it('sums each node\'s containers and gives the run\'s figures', () => {
    const report = buildTaskReport(
      run,
      progress,
      { n1: { containers: { a: { cpu_s: 10.5, gpu_s: 0 }, b: { cpu_s: 2, gpu_s: 1 } }, switched_in_ms: 1_500, switched_out_ms: 800 } },
      null,
      (id) => (id === 'n1' ? 'host-1' : null),
      0,
    );
    expect(report).toMatchObject({ task: 'sqrt', final: true, duration_s: 90.5, items_done: 1000, requeued: 5, dead: { count: 3, groups: null }, cpu_s: 12.5, gpu_s: 1 });
    expect(report.nodes).toEqual([
      { node_id: 'n1', hostname: 'host-1', items: 600, cpu_s: 12.5, gpu_s: 1, containers: 2, switched_in_s: 1.5, switched_out_s: 0.8 },
      { node_id: 'n2', hostname: null, items: 400, cpu_s: 0, gpu_s: 0, containers: 0, switched_in_s: null, switched_out_s: null },
    ]);
  });

  it('writes one CSV row per node, formulas defused and commas quoted', () => {
    const report = buildTaskReport({ ...run, name: '=cmd' } as TaskRecord, progress, {}, [{ id: 'g', signature: 'ValueError: x, y', count: 3 }], () => null, 0);
    const lines = taskReportCsv(report).trimEnd().split('\r\n');
    expect(lines[0]).toBe('task,run_id,status,started_at,completed_at,duration_s,items_done,dead,dead_groups,node_id,hostname,node_items,cpu_s,gpu_s,containers,switched_in_s,switched_out_s');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^"'=cmd",r1,completed,.*,90\.5,1000,3,"3x ValueError: x, y",n1,,600,0,0,0,,$/);
  });
});
