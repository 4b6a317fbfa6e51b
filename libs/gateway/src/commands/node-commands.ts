import { decodeCause, encodeCause, MAX_CAUSE_BYTES } from '@gridcore/queue';
import { errorReply, notAllowed, Reply } from '../resp/reply';
import type { ClientSession } from '../session/client-session';
import { QueueCalls } from '../task/queue-calls';
import type { GatewayContext } from './gateway-context';

const PART = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * GRIDCORE <sub> ...: what GridNode does to its own slots, on a connection authenticated with
 * the node's own credential, touching only `P:batch:<that node>:...` (libs/gateway/README.md).
 */
export async function gridcore(ctx: GatewayContext, s: ClientSession, args: string[]): Promise<Reply> {
  const sub = (args[1] ?? '').toUpperCase();
  const id = s.identity;
  if (!id || id.kind !== 'node') return notAllowed(`GRIDCORE ${sub}`.trim(), 'only a node connection may');
  const backend = await ctx.backends.backendFor(id.nodeId);
  if (!backend) return errorReply(`ERR gridcore gateway: node ${id.nodeId} runs no gateway task now`);
  const calls = new QueueCalls(backend);
  const keys = backend.keys;
  const instanceArg = (): string | Reply => {
    if (args.length < 3 || args.length > 4 || !PART.test(args[2]) || (args[3] !== undefined && !PART.test(args[3]))) {
      return errorReply(`ERR gridcore gateway: GRIDCORE ${sub} <instance> [<run>]`);
    }
    return keys.slotPrefix(id.nodeId, args[2], args[3]);
  };
  switch (sub) {
    case 'HANDBACK': {
      const prefix = instanceArg();
      if (typeof prefix !== 'string') return prefix;
      ctx.backends.markGraceful(id.nodeId, args[2]);
      // The original consumer's accepted results (acks queued in the gateway) land first.
      await ctx.backends.existingSlot(id.nodeId, args[2])?.sendQueuedAcks();
      const r = await calls.returnSlot(prefix, 'hand-back');
      return [r.batches, r.items];
    }
    case 'REQUEUE': {
      // An optional last argument `CAUSE <json>` says why (issue 19: the container's exit).
      const causeAt = args.length >= 5 && args[args.length - 2].toUpperCase() === 'CAUSE' ? args.length - 2 : -1;
      const cause = causeAt < 0 ? '' : causeArg(args[causeAt + 1]);
      if (cause === null) return errorReply(`ERR gridcore gateway: GRIDCORE REQUEUE CAUSE takes a JSON cause of at most ${MAX_CAUSE_BYTES} bytes`);
      if (causeAt >= 0) args = args.slice(0, causeAt);
      const prefix = instanceArg();
      if (typeof prefix !== 'string') return prefix;
      await ctx.backends.existingSlot(id.nodeId, args[2])?.sendQueuedAcks();
      const r = await calls.returnSlot(prefix, 'requeue', cause);
      return [r.batches, r.items, r.dead];
    }
    case 'RENEW': {
      // While the node holds the container frozen (issue 20): `FROZEN <ms>` moves each batch's
      // start forward by the frozen time, so a pause does not count toward batch_timeout_s.
      const frozenAt = args.length >= 5 && args[args.length - 2].toUpperCase() === 'FROZEN' ? args.length - 2 : -1;
      const frozenMs = frozenAt < 0 ? 0 : Number(args[frozenAt + 1]);
      if (!Number.isInteger(frozenMs) || frozenMs < 0) return errorReply('ERR gridcore gateway: GRIDCORE RENEW FROZEN takes a whole number of milliseconds');
      if (frozenAt >= 0) args = args.slice(0, frozenAt);
      const prefix = instanceArg();
      if (typeof prefix !== 'string') return prefix;
      const r = await calls.renewSlot(prefix, frozenMs);
      return [r.batches, r.items];
    }
    case 'ORPHANS': {
      if (args.length !== 3) return errorReply('ERR gridcore gateway: GRIDCORE ORPHANS <live instance,...> (an empty string for none)');
      const live = new Set(args[2].split(',').filter((x) => x !== ''));
      if ([...live].some((x) => !PART.test(x))) return errorReply('ERR gridcore gateway: instance ids match [A-Za-z0-9._-]{1,128}');
      const nodePrefix = keys.nodePrefix(id.nodeId);
      const instances = new Set<string>();
      for (const key of await calls.batchKeysUnder(nodePrefix)) {
        const instance = key.slice(nodePrefix.length).split(':')[0];
        if (PART.test(instance) && !live.has(instance)) instances.add(instance);
      }
      const total = { batches: 0, items: 0, dead: 0 };
      for (const instance of instances) {
        const r = await calls.returnSlot(keys.slotPrefix(id.nodeId, instance), 'requeue');
        total.batches += r.batches;
        total.items += r.items;
        total.dead += r.dead;
      }
      return [total.batches, total.items, total.dead];
    }
    case 'PENDING': {
      const [input, retry] = await Promise.all([backend.cmd.llen(keys.input), backend.cmd.llen(keys.retry)]);
      return input + retry;
    }
    default:
      return notAllowed(`GRIDCORE ${sub}`.trim(), 'HANDBACK, REQUEUE, RENEW, ORPHANS or PENDING');
  }
}

/** A node's cause re-encoded (bounded, only the fields a cause has); null when it is not one. */
function causeArg(json: string): string | null {
  if (Buffer.byteLength(json, 'utf8') > MAX_CAUSE_BYTES) return null;
  const c = decodeCause(json);
  if (!c || typeof c.kind !== 'string') return null;
  return encodeCause({
    kind: c.kind,
    message: c.message,
    ...(typeof c.image === 'string' ? { image: c.image } : {}),
    ...(typeof c.exit_code === 'number' ? { exit_code: c.exit_code } : {}),
    ...(typeof c.oom_killed === 'boolean' ? { oom_killed: c.oom_killed } : {}),
    ...(typeof c.logs === 'string' ? { logs: c.logs } : {}),
  });
}
