import { errorReply, notAllowed, NULL_ARRAY, Reply } from '../resp/reply';
import type { ClientSession } from '../session/client-session';
import type { ConsumerSlot } from '../task/consumer-slot';
import type { TaskBackend } from '../task/task-backend';
import type { GatewayContext } from './gateway-context';
import { containerBackend } from './worker-commands';

/** The original consumer's commands (issue 17.4): leased pops, acking pushes, LLEN of the input. */
async function slotFor(ctx: GatewayContext, s: ClientSession, command: string): Promise<{ slot: ConsumerSlot; backend: TaskBackend } | Reply> {
  const t = await containerBackend(ctx, s, command);
  if (!('backend' in (t as object))) return t as Reply;
  const { backend, nodeId, instance } = t as { backend: TaskBackend; nodeId: string; instance: string };
  const slot = ctx.backends.slot(backend, nodeId, instance);
  if (s.consumerSlot !== slot) {
    if (s.consumerSlot) return errorReply('ERR gridcore gateway: this connection already serves another task');
    s.consumerSlot = slot;
    slot.attach(s.id);
  }
  return { slot, backend };
}

/**
 * The hot path: the slot this connection already uses, when its node's route is cached and
 * still names that slot's backend (no promise, no lookup); undefined sends the command the slow way.
 */
function knownSlot(ctx: GatewayContext, s: ClientSession): ConsumerSlot | undefined {
  const slot = s.consumerSlot;
  const id = s.identity;
  if (!slot || !id || id.kind !== 'container') return undefined;
  return ctx.backends.cachedBackend(id.nodeId) === slot.backend ? slot : undefined;
}

function isReply(x: unknown): x is Reply {
  return !(typeof x === 'object' && x !== null && 'slot' in x);
}

/** BRPOP/BLPOP key [key ...] timeout: every key must be the task input. */
export function blockingPop(ctx: GatewayContext, s: ClientSession, args: string[]): Reply | Promise<Reply> {
  const command = args[0].toUpperCase();
  if (args.length < 3) return errorReply(`ERR wrong number of arguments for '${command.toLowerCase()}' command`);
  const seconds = Number(args[args.length - 1]);
  if (!Number.isFinite(seconds) || seconds < 0) return errorReply('ERR timeout is not a float or out of range');
  const known = knownSlot(ctx, s);
  if (known) {
    const input = known.backend.keys.input;
    for (let i = 1; i < args.length - 1; i++) if (args[i] !== input) return notAllowed(command, 'only the task input');
    const item = known.popAhead(s.id);
    if (item !== undefined) return [input, item];
  }
  return blockingPopSlow(ctx, s, args, command, seconds);
}

async function blockingPopSlow(ctx: GatewayContext, s: ClientSession, args: string[], command: string, seconds: number): Promise<Reply> {
  const t = await slotFor(ctx, s, command);
  if (isReply(t)) return t;
  const keys = args.slice(1, -1);
  if (keys.some((k) => k !== t.backend.keys.input)) return notAllowed(command, 'only the task input');
  const item = await t.slot.pop(s.id, seconds * 1000);
  return item === null ? NULL_ARRAY : [t.backend.keys.input, item];
}

/** RPOP/LPOP key: one leased item, or nil; a count is refused (one item per pop keeps the ack simple). */
export function pop(ctx: GatewayContext, s: ClientSession, args: string[]): Reply | Promise<Reply> {
  const command = args[0].toUpperCase();
  if (args.length !== 2) return notAllowed(command, 'with a count');
  const known = knownSlot(ctx, s);
  if (known) {
    if (args[1] !== known.backend.keys.input) return notAllowed(command, 'only the task input');
    const item = known.popAhead(s.id);
    if (item !== undefined) return item;
  }
  return popSlow(ctx, s, args, command);
}

async function popSlow(ctx: GatewayContext, s: ClientSession, args: string[], command: string): Promise<Reply> {
  const t = await slotFor(ctx, s, command);
  if (isReply(t)) return t;
  if (args[1] !== t.backend.keys.input) return notAllowed(command, 'only the task input');
  return t.slot.pop(s.id, null);
}

/** LPUSH/RPUSH output value: acks the oldest held item with the value, exactly once. */
export function push(ctx: GatewayContext, s: ClientSession, args: string[]): Reply | Promise<Reply> {
  const command = args[0].toUpperCase();
  if (args.length !== 3) return notAllowed(command, args.length < 3 ? 'without a value' : 'with more than one value');
  const known = knownSlot(ctx, s);
  if (known) {
    if (args[1] !== known.backend.route.output_queue) return notAllowed(command, 'only to the task output');
    known.push(args[2]);
    return 1;
  }
  return pushSlow(ctx, s, args, command);
}

async function pushSlow(ctx: GatewayContext, s: ClientSession, args: string[], command: string): Promise<Reply> {
  const t = await slotFor(ctx, s, command);
  if (isReply(t)) return t;
  if (args[1] !== t.backend.route.output_queue) return notAllowed(command, 'only to the task output');
  t.slot.push(args[2]);
  return 1;
}

/**
 * LLEN of the task input (the consumer's exit test): the input, the retried items (this
 * consumer takes those too) and the item leased ahead for it, all still to be done.
 */
export async function llen(ctx: GatewayContext, s: ClientSession, args: string[]): Promise<Reply> {
  const t = await containerBackend(ctx, s, 'LLEN');
  if (!('backend' in (t as object))) return t as Reply;
  const { backend, nodeId, instance } = t as { backend: TaskBackend; nodeId: string; instance: string };
  if (args.length !== 2 || args[1] !== backend.keys.input) return notAllowed('LLEN', 'only the task input');
  const ahead = ctx.backends.existingSlot(nodeId, instance)?.aheadCount ?? 0;
  const [input, retry] = await Promise.all([backend.cmd.llen(args[1]), backend.cmd.llen(backend.keys.retry)]);
  return input + retry + ahead;
}
