import type { DeadGroupSummaryDto, TaskProgressDto, TaskReportDto } from '@gridcore/contracts';
import type { NodeRunUsage, TaskRecord } from '../tasks/task-record';
import { usageTotals } from './run-usage-ledger';

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** The report of one run from its record, its progress, its usage and its dead groups. Pure. */
export function buildTaskReport(
  run: TaskRecord,
  progress: TaskProgressDto | null,
  usage: Record<string, NodeRunUsage>,
  groups: DeadGroupSummaryDto[] | null,
  hostnameOf: (nodeId: string) => string | null,
  nowMs: number,
): TaskReportDto {
  const started = run.started_at ? Date.parse(run.started_at) : null;
  const ended = run.completed_at ? Date.parse(run.completed_at) : run.status === 'running' ? nowMs : null;
  const perNode = progress?.per_node ?? {};
  const ids = [...new Set([...Object.keys(usage), ...Object.keys(perNode)])].sort();
  const nodes = ids.map((id) => {
    const u = usage[id];
    const totals = u ? usageTotals(u) : { cpu_s: 0, gpu_s: 0, containers: 0 };
    return {
      node_id: id,
      hostname: hostnameOf(id),
      items: perNode[id] ?? 0,
      cpu_s: totals.cpu_s,
      gpu_s: totals.gpu_s,
      containers: totals.containers,
      switched_in_s: u?.switched_in_ms != null ? round3(u.switched_in_ms / 1000) : null,
      switched_out_s: u?.switched_out_ms != null ? round3(u.switched_out_ms / 1000) : null,
    };
  });
  return {
    task: run.name,
    run_id: run.id,
    status: run.status,
    final: run.status === 'completed',
    started_at: run.started_at,
    completed_at: run.completed_at,
    completed_by: run.completed_by,
    duration_s: started !== null && ended !== null ? round3((ended - started) / 1000) : null,
    items_done: progress?.done ?? 0,
    requeued: progress?.requeued ?? 0,
    dead: { count: progress?.dead ?? 0, groups },
    nodes,
    cpu_s: round3(nodes.reduce((s, n) => s + n.cpu_s, 0)),
    gpu_s: round3(nodes.reduce((s, n) => s + n.gpu_s, 0)),
  };
}

const CSV_COLUMNS = [
  'task', 'run_id', 'status', 'started_at', 'completed_at', 'duration_s', 'items_done', 'dead', 'dead_groups',
  'node_id', 'hostname', 'node_items', 'cpu_s', 'gpu_s', 'containers', 'switched_in_s', 'switched_out_s',
] as const;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  // A leading = + - @ would run as a formula in a spreadsheet: quoted with a ' before it.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One row per node (the run's figures repeated on each), a run without nodes one row. RFC 4180. */
export function taskReportCsv(report: TaskReportDto): string {
  const groups = report.dead.groups ? report.dead.groups.map((g) => `${g.count}x ${g.signature}`).join(' | ') : '';
  const runCells = [report.task, report.run_id, report.status, report.started_at, report.completed_at, report.duration_s, report.items_done, report.dead.count, groups];
  const rows = (report.nodes.length ? report.nodes : [null]).map((n) =>
    [...runCells, n?.node_id, n?.hostname, n?.items, n?.cpu_s, n?.gpu_s, n?.containers, n?.switched_in_s, n?.switched_out_s].map(cell).join(','),
  );
  return `${CSV_COLUMNS.join(',')}\r\n${rows.join('\r\n')}\r\n`;
}
