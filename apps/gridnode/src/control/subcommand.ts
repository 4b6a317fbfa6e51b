import { ConfigError, ConfigSource, defaultStateDir, loadConfig } from '@gridcore/config';
import { NODE_CONFIG_SPEC } from '../config/node-config';
import { sendControl, statusLines } from './control-client';
import { CONTROL_COMMANDS, ControlCommand } from './control-protocol';

/** The subcommand in argv (`gridnode status`), skipping `-c FILE`; null: run the agent. */
export function subcommandOf(argv: readonly string[]): ControlCommand | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-c' || arg === '--config') {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    if ((CONTROL_COMMANDS as readonly string[]).includes(arg)) return arg as ControlCommand;
    throw new ConfigError(`gridnode: unknown command ${JSON.stringify(arg)}: one of ${CONTROL_COMMANDS.join(', ')}, or none to run the agent`);
  }
  return null;
}

/**
 * The folder the running agent keeps its state (and control socket) in: GRIDNODE_STATE_DIR, else
 * `state_dir` of the config file (`-c FILE` and the usual search), else the file's folder or the
 * default. No server_url or token is needed.
 */
export function controlStateDir(source: ConfigSource): string {
  const env = source.env.GRIDNODE_STATE_DIR;
  if (env) return env;
  const { values, file } = loadConfig(NODE_CONFIG_SPEC, source);
  return values.state_dir || defaultStateDir(file);
}

/** Runs one subcommand against the running agent; returns the exit code (0 done, 1 refused or unreachable). */
export async function runSubcommand(command: ControlCommand, source: ConfigSource, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const stateDir = controlStateDir(source);
  try {
    const answer = await sendControl(stateDir, command);
    if (!answer.ok) {
      err(`gridnode ${command}: ${answer.message}`);
      return 1;
    }
    if (answer.status) for (const line of statusLines(answer.status)) out(line);
    else out(answer.message);
    return 0;
  } catch (e) {
    err(`gridnode ${command}: ${(e as Error).message}`);
    return 1;
  }
}
