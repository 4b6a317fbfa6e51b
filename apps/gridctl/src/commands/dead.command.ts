import { Command } from 'commander';
import type { FailuresDto } from '@gridcore/contracts';
import { QueueKeys } from '@gridcore/queue/queue-keys';
import { formatCount, OperatorError, redisError } from '@gridcore/operator';
import { CliContext, printJson, queueOf } from '../context';
import { table } from '../table';

const GROUP_ID = /^[0-9a-f]{16}$/;

export function deadCommand(): Command {
  return new Command('dead')
    .description("list a task's dead items (failed max_attempts times), why they died (--why), or move them back with --requeue")
    .argument('<task>')
    .option('--why', 'the dead items grouped by cause: count, signature, an example, nodes, first and last seen')
    .option('--requeue', 'move the dead items back to the input queue (through the hub)')
    .option('--group <id>', 'with --requeue: only the items of this failure group (an id --why prints)')
    .option('--limit <n>', 'list at most this many', (v) => Number(v), 100)
    .option('--json', 'print JSON')
    .action(async (name: string, o: { why?: boolean; requeue?: boolean; group?: string; limit: number; json?: boolean }, cmd: Command) => {
      const ctx = CliContext.fromCommand(cmd);
      if (o.group !== undefined && !o.requeue) throw new OperatorError('--group goes with --requeue (gridctl dead TASK --requeue --group ID)');
      if (o.group !== undefined && !GROUP_ID.test(o.group)) throw new OperatorError(`--group ${o.group}: a group id is 16 lowercase hex digits, as gridctl dead ${name} --why prints`);
      if (o.requeue) {
        const answer = await ctx.hub.requeueDead(name, o.group);
        if (o.json) return printJson({ task: name, ...(o.group ? { group: o.group } : {}), ...answer });
        process.stdout.write(`requeued ${formatCount(answer.requeued)} dead items of ${name}${o.group ? ` (group ${o.group})` : ''}\n`);
        return;
      }
      if (o.why) {
        const failures = await ctx.hub.failures(name);
        if (o.json) return printJson(failures);
        return void process.stdout.write(formatFailures(failures));
      }
      const task = await ctx.task(name);
      const keys = new QueueKeys(queueOf(task, 'input'));
      const { client, target } = await ctx.redis(task, 'input');
      try {
        const total = await client.llen(keys.dead);
        const items = await client.lrange(keys.dead, -Math.max(1, o.limit), -1);
        items.reverse();
        const attempts = items.length ? await client.hmget(keys.attempts, ...items) : [];
        if (o.json) return printJson({ task: name, dead: total, items: items.map((item, i) => ({ item, attempts: Number(attempts[i] ?? 0) || null })) });
        process.stdout.write(`${formatCount(total)} dead items in ${keys.dead}${total > items.length ? ` (showing ${items.length})` : ''}\n`);
        // Attempts first: an item is printed verbatim and may hold spaces of its own.
        if (items.length) process.stdout.write(`${table(['attempts', 'item'], items.map((item, i) => [attempts[i] ?? '-', item]))}\n`);
      } catch (err) {
        if (err instanceof OperatorError) throw err;
        throw redisError(target, err as Error);
      } finally {
        client.disconnect();
      }
    });
}

/** One block per group: the table line, then its example cause (and a dead container's last lines). */
export function formatFailures(f: FailuresDto): string {
  const lines = [`${formatCount(f.dead)} dead items of ${f.task} in ${f.groups.length} group(s)${f.scanned < f.dead ? ` (the newest ${formatCount(f.scanned)} read)` : ''}`];
  if (f.groups.length) {
    lines.push(table(['group', 'count', 'nodes', 'last seen', 'signature'], f.groups.map((g) => [g.id, String(g.count), g.nodes.join(',') || '-', g.last_seen ?? '-', g.signature])));
  }
  for (const g of f.groups) {
    const e = g.example;
    lines.push('', `group ${g.id} (${g.count}): e.g. item ${JSON.stringify(e.item ?? '')}${e.node ? ` on ${e.node}/${e.instance ?? '?'}` : ''}${e.image ? ` image ${e.image}` : ''}`);
    lines.push(`  ${e.message}`);
    if (e.logs) lines.push(...e.logs.split('\n').slice(-10).map((l) => `  | ${l}`));
  }
  lines.push('', `requeue one group: gridctl dead ${f.task} --requeue --group ID`);
  return `${lines.join('\n')}\n`;
}
