/** Task placement constraints as data, and matching a node against them (no decorators: GridNode imports it). */

/** A label a node must have: one value, `!value` (any value but it), or a list (any one of them). */
export type LabelConstraint = string | string[];

/** Where a task may run (issue 21.2); every field that is set must hold. */
export interface TaskConstraints {
  labels?: Record<string, LabelConstraint>;
  min_memory_mb?: number;
  min_cpus?: number;
  platforms?: string[];
}

/** What a node tells about itself that constraints are matched against (null: it did not say). */
export interface ConstraintFacts {
  platform: string | null;
  labels: Readonly<Record<string, string>>;
  memoryMb: number | null;
  cpus: number | null;
}

/** Why the node does not meet the constraints, one short phrase each ("label region≠eu"); empty when it does. */
export function unmetConstraints(constraints: TaskConstraints | null | undefined, node: ConstraintFacts): string[] {
  if (!constraints) return [];
  const unmet: string[] = [];
  for (const [key, wanted] of Object.entries(constraints.labels ?? {})) {
    const has = node.labels[key];
    if (Array.isArray(wanted)) {
      if (has === undefined || !wanted.includes(has)) unmet.push(`label ${key}∉{${wanted.join(',')}}`);
    } else if (wanted.startsWith('!')) {
      if (has === wanted.slice(1)) unmet.push(`label ${key}=${has}, wanted any but ${has}`);
    } else if (has !== wanted) {
      unmet.push(`label ${key}≠${wanted}`);
    }
  }
  if (constraints.min_memory_mb !== undefined && (node.memoryMb ?? 0) < constraints.min_memory_mb) {
    unmet.push(`needs ${constraints.min_memory_mb} MB memory, has ${node.memoryMb ?? 'unknown'}`);
  }
  if (constraints.min_cpus !== undefined && (node.cpus ?? 0) < constraints.min_cpus) {
    unmet.push(`needs ${constraints.min_cpus} CPUs, has ${node.cpus ?? 'unknown'}`);
  }
  if (constraints.platforms && !(node.platform && constraints.platforms.includes(node.platform))) {
    unmet.push(`platform ${node.platform ?? 'unknown'} not in ${constraints.platforms.join(', ')}`);
  }
  return unmet;
}

/** The not_running detail for unmet constraints, cut to the wire's limit. */
export function constraintDetail(task: string, unmet: readonly string[]): string {
  return `task ${task} constraints not met: ${unmet.join('; ')}`.slice(0, 256);
}
