import { join } from 'node:path';

/** The agent's control socket in state_dir: only the user the agent runs as may connect (0600). */
export const CONTROL_SOCKET = 'control.sock';

export function controlSocketPath(stateDir: string): string {
  return join(stateDir, CONTROL_SOCKET);
}

export const CONTROL_COMMANDS = ['status', 'pause', 'resume', 'drain'] as const;
export type ControlCommand = (typeof CONTROL_COMMANDS)[number];

/** One request per connection: a JSON line `{"command": ...}`; the answer is one JSON line. */
export interface ControlRequest {
  command: ControlCommand;
}

export interface ControlAnswer {
  ok: boolean;
  /** What the agent says, in words (one line). */
  message: string;
  status?: NodeStatusView;
}

/** What `gridnode status` prints: what the node runs and whether and why it is paused. */
export interface NodeStatusView {
  node_id: string | null;
  hub: string;
  task: string | null;
  runtime_status: string;
  containers: { instance: number; state: string; container_id?: string; frozen: boolean }[];
  paused: { reason: string; since: string } | null;
  load: number;
  owner_cpu_pct: number;
  parallelism: number;
  /** Items this node processed for the current task (the queue's per-node count), null when unknown. */
  items_done: number | null;
  /** The grid has no credit yet (issue 20 point 5 shows it once it exists). */
  credit: null;
}
