import { createHash } from 'node:crypto';
import { errorReply, notAllowed, NULL_ARRAY, Reply } from '../resp/reply';
import type { ClientSession } from '../session/client-session';
import { checkScriptCall } from '../task/script-policy';
import type { TaskBackend } from '../task/task-backend';
import type { GatewayContext } from './gateway-context';

/** The task of a container connection, or the refusal to send. */
export async function containerBackend(ctx: GatewayContext, s: ClientSession, command: string): Promise<{ backend: TaskBackend; nodeId: string; instance: string } | Reply> {
  const id = s.identity;
  if (!id || id.kind !== 'container') return notAllowed(command, 'only a container connection may');
  const backend = await ctx.backends.backendFor(id.nodeId);
  if (!backend) return errorReply(`ERR gridcore gateway: node ${id.nodeId} runs no gateway task now`);
  return { backend, nodeId: id.nodeId, instance: id.instance };
}

function isReply(x: unknown): x is Reply {
  return !(typeof x === 'object' && x !== null && 'backend' in x);
}

/** Redis's error text as an error reply (the script's own `{code, detail}` replies are plain arrays). */
function fromRedisError(message: string): Reply {
  return errorReply(message);
}

/** EVALSHA of the protocol's own scripts only, checked and rewritten by the script policy. */
export async function evalsha(ctx: GatewayContext, s: ClientSession, args: string[]): Promise<Reply> {
  if (args.length < 3 || !/^\d+$/.test(args[2])) return errorReply("ERR wrong number of arguments for 'evalsha' command");
  const numKeys = Number(args[2]);
  if (args.length < 3 + numKeys) return errorReply('ERR Number of keys can\'t be greater than number of args');
  const t = await containerBackend(ctx, s, 'EVALSHA');
  if (isReply(t)) return t;
  const keys = args.slice(3, 3 + numKeys);
  const policy = checkScriptCall(t.backend, args[1], keys, args.slice(3 + numKeys), t.nodeId, t.instance);
  if ('refused' in policy) return notAllowed('EVALSHA', policy.refused);
  if (policy.pushFirst && policy.pushFirst.length > 0) await t.backend.out.lpush(t.backend.route.output_queue, ...policy.pushFirst);
  const outcome = await t.backend.run(policy.name, policy.keys, policy.args);
  return 'error' in outcome ? fromRedisError(outcome.error) : (outcome.reply as Reply);
}

/** SCRIPT LOAD of a protocol script's exact source (already loaded by the gateway), SCRIPT EXISTS. */
export function script(ctx: GatewayContext, s: ClientSession, args: string[]): Reply {
  const sub = (args[1] ?? '').toUpperCase();
  if (!s.identity || s.identity.kind !== 'container') return notAllowed(`SCRIPT ${sub}`.trim(), 'only a container connection may');
  if (sub === 'LOAD' && args.length === 3) {
    const sha = createHash('sha1').update(args[2]).digest('hex');
    return ctx.scriptShas.has(sha) ? sha : notAllowed('SCRIPT LOAD', 'not one of the queue protocol scripts');
  }
  if (sub === 'EXISTS' && args.length >= 3) return args.slice(2).map((sha) => (ctx.scriptShas.has(sha.toLowerCase()) ? 1 : 0));
  return notAllowed(`SCRIPT ${sub}`.trim());
}

/** HMGET of the task's P:config (the SDKs read lease_s, batch_timeout_s and max_attempts at start). */
export async function hmget(ctx: GatewayContext, s: ClientSession, args: string[]): Promise<Reply> {
  const t = await containerBackend(ctx, s, 'HMGET');
  if (isReply(t)) return t;
  if (args.length < 3 || args[1] !== t.backend.keys.config) return notAllowed('HMGET', 'only the task config');
  return (await t.backend.cmd.hmget(args[1], ...args.slice(2))) as Reply;
}

/**
 * BLMOVE <input> <batch key> RIGHT <LEFT|RIGHT> <timeout>: the SDKs' waiting path. The batch key
 * must be this connection's own and leased (a take made it); the wait is served by the task's
 * wait list, not by a Redis connection of its own.
 */
export async function blmove(ctx: GatewayContext, s: ClientSession, args: string[]): Promise<Reply> {
  if (args.length !== 6) return errorReply("ERR wrong number of arguments for 'blmove' command");
  const t = await containerBackend(ctx, s, 'BLMOVE');
  if (isReply(t)) return t;
  const [, source, dest, from, to, timeout] = args;
  const b = t.backend;
  if (source !== b.keys.input) return notAllowed('BLMOVE', 'only from the task input');
  if (!dest.startsWith(b.keys.slotPrefix(t.nodeId, t.instance))) return notAllowed('BLMOVE', `${dest} is not a batch key of ${t.nodeId}.${t.instance}`);
  if (from.toUpperCase() !== 'RIGHT' || !['LEFT', 'RIGHT'].includes(to.toUpperCase())) return notAllowed('BLMOVE', 'only RIGHT to LEFT or RIGHT');
  const seconds = Number(timeout);
  if (!Number.isFinite(seconds) || seconds < 0) return errorReply('ERR timeout is not a float or out of range');
  if ((await b.cmd.zscore(b.keys.leases, dest)) === null) return notAllowed('BLMOVE', `${dest} is not leased (take it first)`);
  const wait = b.waits.wait(dest, seconds * 1000);
  s.pendingWait = wait;
  const got = await wait.result;
  if (s.pendingWait === wait) s.pendingWait = undefined;
  if (got instanceof Error) return errorReply(`ERR gridcore gateway: ${got.message}`);
  return got === null ? NULL_ARRAY : got;
}
