import { connect } from 'node:net';
import { ControlAnswer, ControlCommand, controlSocketPath, NodeStatusView } from './control-protocol';

/** Sends one command to the agent running on `stateDir`; rejects with one line when none listens. */
export function sendControl(stateDir: string, command: ControlCommand, timeoutMs = 10_000): Promise<ControlAnswer> {
  const path = controlSocketPath(stateDir);
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the agent on ${stateDir} did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify({ command })}\n`));
    socket.on('data', (c: string) => (text += c));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? 'no GridNode agent runs on it' : err.code === 'EACCES' ? 'permission denied (run as the user the agent runs as)' : err.message;
      reject(new Error(`cannot reach the agent through ${path}: ${why}`));
    });
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(text.trim()) as ControlAnswer);
      } catch {
        reject(new Error(`the agent on ${stateDir} answered something that is not JSON`));
      }
    });
  });
}

/** `gridnode status` as lines a person reads. */
export function statusLines(s: NodeStatusView): string[] {
  const lines = [
    `node ${s.node_id ?? '(not registered yet)'} at ${s.hub}`,
    `task: ${s.task ?? 'none'} (${s.runtime_status}), parallelism ${s.parallelism}`,
    s.paused ? `paused: ${s.paused.reason.replace(/_/g, ' ')} since ${s.paused.since}` : 'paused: no',
    `load: ${s.load} % (owner CPU ${s.owner_cpu_pct} %)`,
    `items done for this task: ${s.items_done ?? 'unknown'}`,
    `credit: ${s.credit ?? 'none yet'}`,
    `containers: ${s.containers.length}`,
  ];
  for (const c of s.containers) lines.push(`  #${c.instance} ${c.state}${c.frozen ? ' (frozen)' : ''}${c.container_id ? ` ${c.container_id.slice(0, 12)}` : ''}`);
  return lines;
}
