import { Command } from 'commander';
import type { NodeRecord } from '@gridcore/operator';
import { formatCount, OperatorError } from '@gridcore/operator';
import { CliContext, printJson } from '../context';
import { table } from '../table';
import { notRunningCell, unrunnableWarning } from './runnability';

function gpuCell(n: NodeRecord): string {
  if (!n.gpus?.length) return '-';
  const utils = n.usage?.gpus?.map((g) => g.util_pct) ?? [];
  const avg = utils.length ? ` ${Math.round(utils.reduce((a, b) => a + b, 0) / utils.length)}%` : '';
  return `${n.gpus.length}x${avg}`;
}

export function finishCommand(): Command {
  return new Command('finish')
    .description('complete the running task (or TASK, only if it is the running one) and start the next pending one')
    .argument('[task]', 'the task meant; default: the one running now')
    .option('--json', 'print the hub answer as JSON')
    .action(async (task: string | undefined, o: { json?: boolean }, cmd: Command) => {
      const hub = CliContext.fromCommand(cmd).hub;
      // The name goes with the request, so a task that started meanwhile (another operator's
      // finish, an auto-finish) is never completed by mistake: the hub answers 409 instead.
      const name = task ?? (await hub.listTasks()).current;
      if (!name) {
        // Nothing to name; a viewer token still hears that it may not finish anything at all.
        const { roles } = await hub.whoami();
        throw new OperatorError(roles.some((r) => r === 'admin') ? 'No current task running' : 'this token lacks the admin role');
      }
      const answer = await hub.finish(name);
      if (o.json) return printJson(answer);
      const left = answer.left && answer.left.pending + answer.left.in_flight > 0 ? ` (left ${formatCount(answer.left.pending)} pending, ${formatCount(answer.left.in_flight)} in flight)` : '';
      process.stdout.write(`finished ${answer.completed}${left}; ${answer.started ? `started ${answer.started}` : 'no pending task: the grid is idle'}\n`);
    });
}

export function nodesCommand(): Command {
  return new Command('nodes')
    .description('the nodes: status, containers, CPU, GPU, items processed for the current task')
    .option('--json', 'print the node records as JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const hub = CliContext.fromCommand(cmd).hub;
      const [nodes, tasks] = await Promise.all([hub.nodes(), hub.listTasks()]);
      const current = tasks.tasks.find((t) => t.status === 'running');
      const perNode = current?.progress?.per_node ?? {};
      if (o.json) return printJson(nodes.map((n) => ({ ...n, processed: perNode[n.id] ?? 0 })));
      if (!nodes.length) return void process.stdout.write('no nodes\n');
      const rows = nodes.map((n) => [
        n.id,
        n.hostname,
        `${n.status}${n.stopping ? ' (stopping)' : ''}${n.left_at ? ' (left)' : ''}`,
        n.runtime_status ?? '-',
        n.task_name ?? '-',
        n.active_containers,
        n.usage ? `${Math.round(n.usage.cpu_pct)}%` : '-',
        gpuCell(n),
        formatCount(perNode[n.id] ?? 0),
        notRunningCell(n),
      ]);
      process.stdout.write(`${table(['ID', 'HOST', 'STATUS', 'RUNTIME', 'TASK', 'CONTAINERS', 'CPU', 'GPU', 'PROCESSED', 'NOT RUNNING'], rows)}\n`);
      const warning = current && unrunnableWarning(current);
      if (warning) process.stderr.write(`${warning}\n`);
    });
}

export function nodeCommand(): Command {
  const node = new Command('node').description('act on one node');
  node
    .command('stop')
    .description('ask a node to stop gracefully (it hands its items back and deregisters)')
    .argument('<id>')
    .option('--json', 'print the hub answer as JSON')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      const answer = await CliContext.fromCommand(cmd).hub.stopNode(id);
      if (o.json) return printJson(answer);
      process.stdout.write(`asked node ${id} to stop\n`);
    });
  node
    .command('scale')
    .description("set how many containers a node runs (its owner's policy still caps it); 'own' hands the count back to the node")
    .argument('<id>')
    .argument('<n>', 'containers, 1 to 4096, or own')
    .option('--json', 'print the hub answer as JSON')
    .action(async (id: string, n: string, o: { json?: boolean }, cmd: Command) => {
      const parallelism = n === 'own' ? null : Number(n);
      if (parallelism !== null && !(Number.isInteger(parallelism) && parallelism >= 1 && parallelism <= 4096)) {
        throw new OperatorError(`n must be an integer from 1 to 4096, or own (got ${JSON.stringify(n)})`);
      }
      const answer = await CliContext.fromCommand(cmd).hub.scaleNode(id, parallelism);
      if (o.json) return printJson(answer);
      process.stdout.write(parallelism === null ? `node ${id} runs its own parallelism again\n` : `asked node ${id} to run ${parallelism} container(s)\n`);
    });
  node
    .command('revoke')
    .description('revoke a node for good: its credential stops working, its batches go back, it never registers again')
    .argument('<id>')
    .option('--json', 'print the hub answer as JSON')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      const answer = await CliContext.fromCommand(cmd).hub.revokeNode(id);
      if (o.json) return printJson(answer);
      process.stdout.write(`revoked node ${id} (${answer.items_handed_back} items handed back)\n`);
    });
  return node;
}
