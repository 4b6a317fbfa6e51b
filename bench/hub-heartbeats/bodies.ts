/**
 * The simulated grid: deterministic register and heartbeat bodies (SPEC §2.6) for node i, so
 * every run and every server sees the same load.
 */

export const NODE_COUNT = 10_000;

export function nodeId(i: number): string {
  return `sim-node-${String(i).padStart(5, '0')}`;
}

/** A register body with every field of §2.6, one GPU. */
export function registerBody(i: number): Record<string, unknown> {
  return {
    node_id: nodeId(i),
    hostname: `sim-host-${i}`,
    architecture: 'x86_64',
    cpu_count: 32,
    platform: 'linux/amd64',
    version: '0.1.0',
    labels: { zone: `zone-${i % 8}`, bench: 'hub-heartbeats' },
    memory_total_mb: 257_000,
    parallelism: 4,
    gpus: [{ index: 0, name: 'NVIDIA H100 80GB HBM3', memory_total_mib: 81_559 }],
  };
}

/** A full heartbeat body: four instances, host usage with one GPU. Values vary with i. */
export function heartbeatBody(i: number): Record<string, unknown> {
  const states = ['running', 'running', 'waiting', 'backoff'] as const;
  return {
    node_id: nodeId(i),
    status: 'Running',
    active_containers: 4,
    task_name: 'bench-task',
    instances: states.map((state, instance) => ({
      instance,
      state,
      container_id: `c${i.toString(16).padStart(6, '0')}${instance}`.padEnd(64, 'a'),
      restarts: (i + instance) % 3,
      last_exit_code: state === 'backoff' ? 1 : null,
      last_error: state === 'backoff' ? 'exit code 1: worker crashed' : null,
    })),
    usage: {
      cpu_pct: (i * 7) % 100,
      mem_pct: (i * 13) % 100,
      load1: (i % 32) + 0.5,
      load5: (i % 24) + 0.25,
      load15: (i % 16) + 0.125,
      gpus: [
        {
          index: 0,
          util_pct: (i * 3) % 100,
          mem_used_mib: (i * 97) % 81_559,
          mem_total_mib: 81_559,
          temperature_c: 40 + (i % 40),
          power_w: 100 + (i % 600),
        },
      ],
    },
  };
}

/** A heartbeat with a field the DTO does not know: a validating server must answer 400. */
export function invalidHeartbeatBody(): Record<string, unknown> {
  return { ...heartbeatBody(0), not_a_field: true };
}
