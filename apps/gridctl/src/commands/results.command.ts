import { createWriteStream, WriteStream } from 'node:fs';
import { once } from 'node:events';
import { Command } from 'commander';
import { formatCount, OperatorError, redisError } from '@gridcore/operator';
import { CliContext, printJson, queueOf } from '../context';
import { integer } from './parse';

interface ResultsOptions {
  out?: string;
  drain?: boolean;
  chunk: number;
  json?: boolean;
}

async function openOut(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path);
  await Promise.race([
    once(stream, 'open'),
    once(stream, 'error').then(([err]) => {
      throw new OperatorError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }),
  ]);
  return stream;
}

async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

export function resultsCommand(): Command {
  return new Command('results')
    .description("read a task's output list, oldest first (left in place unless --drain)")
    .argument('<task>')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .option('--drain', 'remove what was read (each chunk only after it is written)')
    .option('--chunk <n>', 'items per read', integer, 10_000)
    .option('--json', 'print a JSON summary (the results go to --out, or are not printed)')
    .action(async (name: string, o: ResultsOptions, cmd: Command) => {
      const ctx = CliContext.fromCommand(cmd);
      const task = await ctx.task(name);
      const queue = queueOf(task, 'output');
      const out = o.out ? await openOut(o.out) : o.json ? null : process.stdout;
      const { client, target } = await ctx.redis(task, 'output');
      let count = 0;
      try {
        const length = await client.llen(queue);
        // Results are LPUSHed, so the oldest sit at the right end. Read from the right; with
        // --drain, trim exactly the rightmost items read once they are written (pushes on the
        // left never move the right end's indexes).
        let from = 0;
        while (from < length) {
          const n = Math.min(o.chunk, length - from);
          const items = await client.lrange(queue, -(from + n), -(from + 1));
          if (items.length === 0) break;
          items.reverse();
          if (out) await write(out, `${items.join('\n')}\n`);
          count += items.length;
          if (o.drain) await client.ltrim(queue, 0, -(items.length + 1));
          else from += items.length;
          if (o.drain && count >= length) break;
        }
      } catch (err) {
        // A closed output (EPIPE) is the reader's business, not a Redis failure: pass it up as is.
        if (err instanceof OperatorError || (err as NodeJS.ErrnoException).code === 'EPIPE') throw err;
        throw redisError(target, err as Error);
      } finally {
        client.disconnect();
      }
      if (out && out !== process.stdout) {
        (out as WriteStream).end();
        await once(out, 'finish');
      }
      const summary = { task: name, queue, redis: target.where, results: count, drained: !!o.drain, out: o.out ?? null };
      if (o.json) printJson(summary);
      else if (o.out) process.stderr.write(`wrote ${formatCount(count)} results to ${o.out}${o.drain ? ` and removed them from ${queue}` : ''}\n`);
    });
}
