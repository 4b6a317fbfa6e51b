import { Command, InvalidArgumentError } from 'commander';
import type { ContainerLogChunkDto, ContainerLogDto } from '@gridcore/contracts';
import { OperatorError } from '@gridcore/operator';
import { CliContext, printJson } from '../context';

function integer(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** One container's header: which instance, which container, how it ended. */
export function containerHeader(c: ContainerLogDto): string {
  const how = c.running ? 'running' : c.exit_code === null ? `stopped at ${c.exited_at}` : `exited ${c.exit_code} at ${c.exited_at}`;
  return `== instance ${c.instance} · container ${c.container_id.slice(0, 12)}${c.task ? ` · task ${c.task}` : ''} · started ${c.started_at} · ${how}${c.truncated ? ' · older output dropped' : ''} ==`;
}

function printContainers(containers: ContainerLogDto[]): void {
  if (containers.length === 0) process.stdout.write('(no container output kept on this node for the current task)\n');
  for (const c of containers) {
    process.stdout.write(`${containerHeader(c)}\n${c.text}${c.text && !c.text.endsWith('\n') ? '\n' : ''}`);
  }
}

function printChunk(chunk: ContainerLogChunkDto): void {
  if (chunk.text) process.stdout.write(`[${chunk.instance}] ${chunk.text.replace(/\n(?=.)/g, `\n[${chunk.instance}] `)}`);
  if (chunk.exit_code !== undefined) {
    process.stdout.write(`== instance ${chunk.instance} · container ${chunk.container_id.slice(0, 12)} ${chunk.exit_code === null ? 'stopped' : `exited ${chunk.exit_code}`} ==\n`);
  }
}

export function logsCommand(): Command {
  return new Command('logs')
    .description("a node's container logs (stdout and stderr of the current task's containers, the last three per instance, crashed ones too), fetched through the hub")
    .argument('<node>', 'node id')
    .argument('[instance]', 'one instance (INSTANCE_ID); default: all', integer('instance', 0, 4096))
    .option('--tail <n>', 'last lines per container', integer('--tail', 1, 10_000), 200)
    .option('-f, --follow', 'keep printing new output until interrupted')
    .option('--json', 'print JSON (with --follow: one event a line)')
    .action(async (node: string, instance: number | undefined, o: { tail: number; follow?: boolean; json?: boolean }, cmd: Command) => {
      const { hub } = CliContext.fromCommand(cmd);
      if (!o.follow) {
        const answer = await hub.nodeLogs(node, { instance, tail: o.tail });
        if (o.json) return printJson(answer);
        printContainers(answer.containers);
        process.stderr.write(`(${answer.containers.length} containers of node ${node}, round trip ${answer.round_trip_ms} ms)\n`);
        return;
      }
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      try {
        for await (const event of hub.followNodeLogs(node, { instance, tail: o.tail, signal: abort.signal })) {
          if (event.type === 'ping') continue;
          if (o.json) {
            process.stdout.write(`${JSON.stringify({ event: event.type, ...event.data })}\n`);
          } else if (event.type === 'containers') {
            printContainers(event.data.containers);
            process.stderr.write(`(following node ${node}; round trip ${event.data.round_trip_ms} ms; Ctrl-C ends)\n`);
          } else if (event.type === 'chunk') {
            printChunk(event.data);
          }
          if (event.type === 'end') throw new OperatorError(event.data.reason, 1);
        }
      } finally {
        process.off('SIGINT', onSignal);
      }
    });
}
