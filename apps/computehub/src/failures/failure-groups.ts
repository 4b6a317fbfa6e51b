import type { FailureCauseDto, FailureGroupDto } from '@gridcore/contracts';
import type { FailureRecord } from '@gridcore/queue';
import { failureSignature, groupId } from './failure-signature';

export interface DeadItem {
  item: string;
  cause: FailureRecord | null;
}

const SAMPLE_ITEMS = 10;
const MAX_NODES = 50;

const iso = (ms: number | undefined) => (typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : null);

function exampleOf(d: DeadItem): FailureCauseDto {
  const c = d.cause;
  if (!c) return { kind: 'unknown', message: 'no cause recorded (requeued by an older worker, or healed by a take)', item: d.item };
  const out: FailureCauseDto = { kind: c.kind, message: c.message, item: d.item };
  for (const k of ['node', 'instance', 'run', 'image', 'exit_code', 'oom_killed', 'logs'] as const) {
    if (c[k] !== undefined && c[k] !== null) (out as unknown as Record<string, unknown>)[k] = c[k];
  }
  const at = iso(c.at);
  if (at) out.at = at;
  return out;
}

/** Dead items grouped by their cause's signature, largest group first (issue 19.2). */
export function groupFailures(items: readonly DeadItem[]): FailureGroupDto[] {
  const groups = new Map<string, FailureGroupDto & { nodeSet: Set<string>; first: number; last: number }>();
  for (const d of items) {
    const signature = failureSignature(d.cause);
    let g = groups.get(signature);
    if (!g) {
      g = { id: groupId(signature), count: 0, signature, example: exampleOf(d), sample_items: [], nodes: [], first_seen: null, last_seen: null, nodeSet: new Set(), first: Infinity, last: -Infinity };
      groups.set(signature, g);
    }
    g.count++;
    if (g.sample_items.length < SAMPLE_ITEMS) g.sample_items.push(d.item);
    if (d.cause?.node && g.nodeSet.size < MAX_NODES) g.nodeSet.add(d.cause.node);
    const at = d.cause?.at;
    if (typeof at === 'number') {
      g.first = Math.min(g.first, at);
      g.last = Math.max(g.last, at);
    }
  }
  return [...groups.values()]
    .map(({ nodeSet, first, last, ...g }) => ({ ...g, nodes: [...nodeSet].sort(), first_seen: iso(Number.isFinite(first) ? first : undefined), last_seen: iso(Number.isFinite(last) ? last : undefined) }))
    .sort((a, b) => b.count - a.count || a.signature.localeCompare(b.signature));
}

/** The items of one group (by id): what a group requeue moves. */
export function itemsOfGroup(items: readonly DeadItem[], id: string): string[] {
  return items.filter((d) => groupId(failureSignature(d.cause)) === id).map((d) => d.item);
}
