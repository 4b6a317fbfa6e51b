import { Command } from 'commander';
import { QueueKeys } from '@gridcore/queue/queue-keys';
import { formatCount, OperatorError, redisError } from '@gridcore/operator';
import { CliContext, printJson, queueOf } from '../context';
import { table } from '../table';

export function deadCommand(): Command {
  return new Command('dead')
    .description("list a task's dead items (failed max_attempts times), or move them back with --requeue")
    .argument('<task>')
    .option('--requeue', 'move the dead items back to the input queue (through the hub)')
    .option('--limit <n>', 'list at most this many', (v) => Number(v), 100)
    .option('--json', 'print JSON')
    .action(async (name: string, o: { requeue?: boolean; limit: number; json?: boolean }, cmd: Command) => {
      const ctx = CliContext.fromCommand(cmd);
      if (o.requeue) {
        const answer = await ctx.hub.requeueDead(name);
        if (o.json) return printJson({ task: name, ...answer });
        process.stdout.write(`requeued ${formatCount(answer.requeued)} dead items of ${name}\n`);
        return;
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
