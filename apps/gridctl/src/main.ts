#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { OperatorError } from '@gridcore/operator';
import { clusterCommand } from './commands/cluster.command';
import { deadCommand } from './commands/dead.command';
import { logsCommand } from './commands/logs.command';
import { reportCommand } from './commands/report.command';
import { finishCommand, nodeCommand, nodesCommand } from './commands/grid.command';
import { pushCommand } from './commands/push.command';
import { resultsCommand } from './commands/results.command';
import { taskCommand } from './commands/task.command';
import { tokenCommand } from './commands/token.command';
import { watchCommand } from './commands/watch.command';

/** gridctl: the operator's workflow (SPEC §5). Errors are one line, never a stack. */
export function program(): Command {
  const root = new Command('gridctl')
    .description('GridCore operator CLI: tasks, items, progress, results, nodes')
    .option('-c, --cluster <name>', 'cluster profile from ~/.config/gridcore/gridctl.toml')
    .option('--ca-file <file>', "PEM file of the CA that signed an https:// hub's certificate (or GRIDCTL_CA_FILE; default: the profile's ca_file, else the system CAs)")
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of [taskCommand(), pushCommand(), watchCommand(), resultsCommand(), reportCommand(), deadCommand(), finishCommand(), nodesCommand(), nodeCommand(), logsCommand(), tokenCommand(), clusterCommand()]) {
    root.addCommand(command);
  }
  const override = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(root);
  return root;
}

/** A reader that closed our stdout (`gridctl results t | head`) wanted no more: not an error. */
export function isClosedPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'EPIPE';
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (isClosedPipe(err)) return 0;
    if (err instanceof CommanderError) return err.exitCode; // commander printed its own message
    if (err instanceof OperatorError) {
      process.stderr.write(`gridctl: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    process.stderr.write(`gridctl: ${e?.message?.split('\n')[0] ?? String(err)}${process.env.GRIDCTL_DEBUG ? `\n${e?.stack}` : ''}\n`);
    return 1;
  }
}

/** Runs gridctl and exits with its code once stdout is flushed (idle keep-alive sockets must not hold it). */
export function run(argv: string[] = process.argv): void {
  // Ends at once and quietly, as `head` expects of the command before it; whatever was being
  // read stays where it was (results are only removed after they were written).
  process.stdout.on('error', (err) => {
    if (isClosedPipe(err)) process.exit(0);
  });
  void main(argv).then((code) => {
    process.stdout.write('', () => process.exit(code));
  });
}

if (require.main === module) run();
