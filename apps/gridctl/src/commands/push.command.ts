import { Command } from 'commander';
import { formatCount, openItems, OperatorError, ProgressDisplay, pushItems, readLines, redisError, redisTimeMs } from '@gridcore/operator';
import { CliContext, printJson, queueOf } from '../context';
import { PushLog } from '../push-log';
import { integer } from './parse';

interface PushOptions {
  file: string;
  batch: number;
  inFlight: number;
  progress: boolean;
  json?: boolean;
}

export function pushCommand(): Command {
  return new Command('push')
    .description("push items, one per line, to a task's input queue (pipelined LPUSH)")
    .argument('<task>')
    .requiredOption('-f, --file <path>', 'file of items, one per line (`-` for stdin)')
    .option('--batch <n>', 'items per LPUSH', integer, 1000)
    .option('--in-flight <n>', 'LPUSH commands in flight', integer, 16)
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print a JSON summary')
    .action(async (name: string, o: PushOptions, cmd: Command) => {
      const ctx = CliContext.fromCommand(cmd);
      const task = await ctx.task(name);
      if (task.status === 'completed') {
        process.stderr.write(`gridctl: note: task ${name} is completed; no node works on these items until you register it again (gridctl task add ${name} ...)\n`);
      }
      const queue = queueOf(task, 'input');
      const target = ctx.redisTarget(task, 'input');
      // Open the file before connecting: an unreadable file costs nothing and pushes nothing.
      const stream = await openItems(o.file);
      const { client } = await ctx.redis(task, 'input');
      const display = o.progress ? new ProgressDisplay(`push ${name}`) : null;
      // Marked in Redis time before and after, so a watcher never trusts a sample older than these items.
      const log = new PushLog();
      const startedMs = await redisTimeMs(client, queue).catch(() => null);
      if (startedMs !== null) log.write(ctx.clusterName, name, { startedMs, finishedMs: null, pid: process.pid });
      try {
        const result = await pushItems(client, queue, readLines(stream), {
          batch: o.batch,
          inFlight: o.inFlight,
          onProgress: display ? (pushed) => display.update({ done: pushed }) : undefined,
        }).catch((err: Error & { pushed?: number }) => {
          if (err instanceof OperatorError) throw err;
          const line = redisError(target, err).message;
          throw new OperatorError(`${line}; ${formatCount(err.pushed ?? 0)} items were pushed before it`);
        });
        const rate = (result.pushed * 1000) / Math.max(1, result.ms);
        display?.finish({ done: result.pushed, rate });
        const summary = { task: name, queue, redis: target.where, pushed: result.pushed, seconds: result.ms / 1000, items_per_s: Math.round(rate) };
        if (o.json) printJson(summary);
        else process.stdout.write(`pushed ${formatCount(result.pushed)} items to ${queue} on ${target.where} in ${(result.ms / 1000).toFixed(2)} s (${formatCount(rate)} items/s)\n`);
      } finally {
        const finishedMs = startedMs === null ? null : await redisTimeMs(client, queue).catch(() => null);
        if (startedMs !== null) log.write(ctx.clusterName, name, { startedMs, finishedMs, pid: process.pid });
        client.disconnect();
      }
    });
}
