import { Command } from 'commander';
import type { TaskReportDto } from '@gridcore/contracts';
import { formatCount } from '@gridcore/operator';
import { CliContext, printJson } from '../context';
import { table } from '../table';

const seconds = (s: number | null) => (s === null ? '-' : `${s.toFixed(1)} s`);

/** The report as an operator reads it: the run's figures, then one line per node. */
export function reportText(r: TaskReportDto): string {
  const lines = [
    `task ${r.task} (run ${r.run_id}): ${r.status}${r.final ? '' : ' (figures so far)'}`,
    `started ${r.started_at ?? '-'}, completed ${r.completed_at ?? '-'}${r.completed_by ? ` by ${r.completed_by}` : ''}, duration ${seconds(r.duration_s)}`,
    `items done ${formatCount(r.items_done)}, requeued ${formatCount(r.requeued)}, dead ${formatCount(r.dead.count)}`,
  ];
  if (r.dead.groups === null) lines.push('dead items by group: not available (the hub cannot see this task\'s queue)');
  else for (const g of r.dead.groups) lines.push(`  ${formatCount(g.count)} × ${g.signature} (group ${g.id})`);
  lines.push(`CPU ${r.cpu_s.toFixed(1)} s, GPU ${r.gpu_s.toFixed(1)} s in all`);
  if (r.nodes.length) {
    lines.push(
      table(
        ['node', 'hostname', 'items', 'cpu_s', 'gpu_s', 'containers', 'switched in', 'switched out'],
        r.nodes.map((n) => [n.node_id, n.hostname ?? '-', formatCount(n.items), n.cpu_s.toFixed(2), n.gpu_s.toFixed(2), String(n.containers), seconds(n.switched_in_s), seconds(n.switched_out_s)]),
      ),
    );
  } else {
    lines.push('no node reported work for this run');
  }
  return `${lines.join('\n')}\n`;
}

export function reportCommand(): Command {
  return new Command('report')
    .description("a task's report: duration, items done, dead items (by group where the hub groups them), items and CPU/GPU-seconds per node, switch times")
    .argument('<task>')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV (one row per node)')
    .action(async (name: string, o: { json?: boolean; csv?: boolean }, cmd: Command) => {
      const { hub } = CliContext.fromCommand(cmd);
      if (o.csv) return void process.stdout.write(await hub.taskReportCsv(name));
      const report = await hub.taskReport(name);
      if (o.json) return printJson(report);
      process.stdout.write(reportText(report));
    });
}
