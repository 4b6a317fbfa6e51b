import type { ArgValue } from '@gridcore/queue';
import type { ScriptOutcome, TaskBackend } from './task-backend';

/** A script reply that is an error: `{negative code, detail}` (nothing written) or Redis's own error. */
export class QueueCallError extends Error {}

export interface TakeOutcome {
  ack: number;
  batchKey: string;
  items: string[];
  source: string;
}

/**
 * The scripts the gateway calls on its own behalf (the original consumer's leases, the node's
 * control commands): arguments built by the manifest, the task's own limits as defaults.
 */
export class QueueCalls {
  /** The take's KEYS (they never change for a backend) and reply positions, worked out once. */
  private pushKeys?: string[];
  private inputKeys?: string[];
  private takePositions?: { ack: number; batchKey: number; items: number; source: number };

  constructor(private readonly b: TaskBackend) {}

  private async call(name: string, args: Record<string, ArgValue>, output?: string): Promise<unknown[]> {
    const b = this.b;
    return this.checked(name, await b.run(name, b.keysOf(name, output), b.protocol.args(name, args)));
  }

  /**
   * take-10 with one item: acks `ack` (pushing `result` when given) and takes into `lanePrefix`
   * ('' takes nothing). A retried item comes first: the original consumer has no isolation lane,
   * and one item per batch already keeps a poison item from failing others.
   */
  async take(lanePrefix: string, nodeId: string, blockMs: number, ack?: { batchKey: string; result?: string }): Promise<TakeOutcome> {
    const b = this.b;
    if (ack?.result !== undefined && !b.sameServer) await b.out.lpush(b.route.output_queue, ack.result);
    const call = this.takeCall(lanePrefix, nodeId, blockMs, ack);
    const outcome = await b.run('take', call.keys, call.args);
    const r = this.checked('take', outcome);
    return this.takeOutcome(r);
  }

  /**
   * Several non-blocking takes (each an ack with its result and/or a take of one item) in one
   * write to Redis: each answers its outcome or its error, in order. Each is its own script call,
   * so one failing changes nothing of the others.
   */
  async takeMany(ops: readonly { lanePrefix: string; ack?: { batchKey: string; result: string } }[], nodeId: string): Promise<(TakeOutcome | QueueCallError)[]> {
    const b = this.b;
    const results = ops.flatMap((op) => (op.ack ? [op.ack.result] : []));
    if (results.length > 0 && !b.sameServer) await b.out.lpush(b.route.output_queue, ...results);
    const outcomes = await b.runMany(ops.map((op) => ({ name: 'take', ...this.takeCall(op.lanePrefix, nodeId, 0, op.ack) })));
    return outcomes.map((o) => {
      try {
        return this.takeOutcome(this.checked('take', o));
      } catch (err) {
        return err as QueueCallError;
      }
    });
  }

  private takeCall(lanePrefix: string, nodeId: string, blockMs: number, ack?: { batchKey: string; result?: string }): { keys: string[]; args: (string | number)[] } {
    const b = this.b;
    const push = ack?.result !== undefined && b.sameServer;
    const keys = push ? (this.pushKeys ??= b.keysOf('take', b.route.output_queue)) : (this.inputKeys ??= b.keysOf('take', b.keys.input));
    const args = b.protocol.args('take', {
      prev_batch_key: ack?.batchKey ?? '', push: push ? '1' : '0', node_id: nodeId, lane_prefix: lanePrefix, size: 1, from_retry: '1',
      block_ms: blockMs, lease_s: b.leaseS, batch_timeout_s: b.route.batch_timeout_s, max_attempts: b.route.max_attempts,
      result_count: ack ? 1 : 0, results: push ? [ack?.result as string] : [],
    });
    return { keys, args };
  }

  private checked(name: string, outcome: ScriptOutcome): unknown[] {
    if ('error' in outcome) throw new QueueCallError(outcome.error);
    const reply = outcome.reply as unknown[];
    if (typeof reply[0] === 'number' && reply[0] < 0) throw new QueueCallError(`ERR gridcore gateway: ${name} refused: ${String(reply[1])}`);
    return reply;
  }

  private takeOutcome(r: unknown[]): TakeOutcome {
    const p = (this.takePositions ??= {
      ack: this.b.protocol.replyPosition('take', 'ack'),
      batchKey: this.b.protocol.replyPosition('take', 'batch_key'),
      items: this.b.protocol.replyPosition('take', 'items'),
      source: this.b.protocol.replyPosition('take', 'source'),
    });
    return { ack: r[p.ack] as number, batchKey: r[p.batchKey] as string, items: r[p.items] as string[], source: r[p.source] as string };
  }

  async renew(batchKey: string): Promise<boolean> {
    const r = await this.call('renew', { batch_key: batchKey, lease_s: this.b.leaseS, batch_timeout_s: this.b.route.batch_timeout_s });
    return r[0] === 1;
  }

  /** `cause` as the scripts take it (encodeCause): '' records none. */
  async requeue(batchKeys: string[], cause = ''): Promise<number> {
    if (batchKeys.length === 0) return 0;
    return (await this.call('requeue', { max_attempts: this.b.route.max_attempts, cause, batch_keys: batchKeys }))[1] as number;
  }

  async handBack(batchKeys: string[]): Promise<number> {
    if (batchKeys.length === 0) return 0;
    return (await this.call('hand-back', { batch_keys: batchKeys }))[1] as number;
  }

  /** Every live batch under a slot prefix leased anew, its start moved forward by `frozenMs` (renew-by-slot). */
  async renewSlot(slotPrefix: string, frozenMs: number): Promise<{ batches: number; items: number }> {
    const r = await this.call('renew-by-slot', { slot_prefix: slotPrefix, frozen_ms: frozenMs, lease_s: this.b.leaseS, batch_timeout_s: this.b.route.batch_timeout_s });
    return { batches: r[0] as number, items: r[1] as number };
  }

  /** Every batch under a slot prefix, back with an attempt (`requeue`) or without (`hand-back`); loops past the 1000-item cap. */
  async returnSlot(slotPrefix: string, mode: 'requeue' | 'hand-back', cause = ''): Promise<{ batches: number; items: number; dead: number }> {
    const total = { batches: 0, items: 0, dead: 0 };
    for (let i = 0; i < 1000; i++) {
      const r = await this.call('requeue-by-slot', { slot_prefix: slotPrefix, mode, max_attempts: this.b.route.max_attempts, cause });
      total.batches += r[0] as number;
      total.items += r[1] as number;
      total.dead += r[2] as number;
      if (r[3] !== 1) break;
    }
    return total;
  }

  /** Batch keys under `prefix` (SCAN MATCH, bounded). */
  async batchKeysUnder(prefix: string, max = 100_000): Promise<string[]> {
    const pattern = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
    const found: string[] = [];
    let cursor = '0';
    for (let i = 0; i < 100_000; i++) {
      const [next, keys] = await this.b.cmd.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
      if (cursor === '0' || found.length >= max) break;
    }
    return found;
  }
}
