import { bearer, TOKENS } from '../../support/hub-app';

/** Calls the hub as a test client; throws with the hub's message on a non-2xx answer. */
export async function hubCall<T>(url: string, method: string, path: string, token: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...bearer(token), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export interface SimNodeOptions {
  hostname: string;
  cpus?: number;
  gpus?: number;
}

export interface HeartbeatState {
  status: 'Running' | 'Idle' | 'Error';
  active_containers: number;
  task_name?: string | null;
  last_error?: string;
  cpu_pct?: number;
  mem_pct?: number;
  gpu_util_pct?: number;
}

/**
 * A node as the hub sees one: the register and heartbeat calls of SPEC 2.6 with the legacy
 * token, as the original node sends them, plus our usage, instances and GPU fields.
 */
export class SimNode {
  id = '';

  constructor(
    private readonly hubUrl: string,
    readonly options: SimNodeOptions,
  ) {}

  async register(): Promise<string> {
    const gpus = Array.from({ length: this.options.gpus ?? 0 }, (_, index) => ({ index, name: 'NVIDIA H100 80GB HBM3', memory_total_mib: 81559 }));
    const r = await hubCall<{ node_id: string }>(this.hubUrl, 'POST', '/gridnode/register', TOKENS.legacy, {
      node_id: null,
      hostname: this.options.hostname,
      architecture: 'x86_64',
      cpu_count: this.options.cpus ?? 8,
      platform: 'linux/amd64',
      version: '0.1.0',
      memory_total_mb: 32_000,
      gpus,
    });
    this.id = r.node_id;
    return this.id;
  }

  heartbeat(state: HeartbeatState): Promise<{ stop_requested: boolean }> {
    const gpus = Array.from({ length: this.options.gpus ?? 0 }, (_, index) => ({
      index,
      util_pct: state.gpu_util_pct ?? 0,
      mem_used_mib: 20_480,
      mem_total_mib: 81_559,
    }));
    const instances = Array.from({ length: Math.max(state.active_containers, state.last_error ? 1 : 0) }, (_, i) => ({
      instance: i,
      state: state.last_error && i === 0 ? 'backoff' : 'running',
      restarts: state.last_error && i === 0 ? 2 : 0,
      last_error: state.last_error && i === 0 ? state.last_error : null,
    }));
    return hubCall(this.hubUrl, 'POST', '/gridnode/heartbeat', TOKENS.legacy, {
      node_id: this.id,
      status: state.status,
      active_containers: state.active_containers,
      task_name: state.task_name ?? null,
      instances,
      usage: { cpu_pct: state.cpu_pct ?? 0, mem_pct: state.mem_pct ?? 0, load1: 1, load5: 1, load15: 1, gpus },
    });
  }
}
