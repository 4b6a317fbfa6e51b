import { crc16 } from './crc16';
import { InvalidQueueNameError } from './errors/invalid-queue-name.error';
import { QueuePrefixCollisionError } from './errors/prefix-collision.error';
import { assertNoPrefixCollision } from './prefix-collision';
import { hashTag, keySlot, QueueKeys, queuePrefix } from './queue-keys';
import { QUEUE_KEY_VECTORS } from './test-vectors';

describe('queue keys and the tag rule', () => {
  it('computes CRC16-XMODEM and Redis key slots', () => {
    expect(crc16('123456789')).toBe(0x31c3);
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(keySlot('foo{}{bar}')).toBe(crc16('foo{}{bar}') % 16384);
    expect(keySlot('foo{{bar}}zap')).toBe(crc16('{bar') % 16384);
  });

  it.each(QUEUE_KEY_VECTORS.map((v) => [v.queue, v] as const))('vector %j', (queue, v) => {
    if (v.refused) {
      expect(() => queuePrefix(queue)).toThrow(InvalidQueueNameError);
      return;
    }
    expect(queuePrefix(queue)).toBe(v.prefix);
    expect(hashTag(queue) !== null).toBe(v.tagged);
    expect(keySlot(queue)).toBe(v.slot);
    const keys = new QueueKeys(queue);
    for (const key of [keys.seq, keys.leases, keys.taken, keys.retry, keys.attempts, keys.dead, keys.stats, keys.config, `${keys.batchPrefix}n:0:r:0:1`]) {
      expect(keySlot(key)).toBe(v.slot);
    }
  });

  it('covers the issue vectors', () => {
    expect(queuePrefix('sqrt:input')).toBe('{sqrt:input}');
    expect(queuePrefix('{sqrt}:in')).toBe('{sqrt}:in');
    expect(() => queuePrefix('a{}{b}')).toThrow(/brace/);
    expect(() => queuePrefix('stray}')).toThrow(InvalidQueueNameError);
  });

  it('builds every key in one place and checks slot parts', () => {
    const k = new QueueKeys('sqrt:input');
    expect(k.leases).toBe('{sqrt:input}:leases');
    expect(k.slotPrefix('node-1', 2)).toBe('{sqrt:input}:batch:node-1:2:');
    expect(k.lanePrefix({ nodeId: 'n', instance: 0, runId: 'r.1', lane: 3 })).toBe('{sqrt:input}:batch:n:0:r.1:3:');
    expect(() => k.slotPrefix('bad:id', 0)).toThrow(InvalidQueueNameError);
    expect(() => k.slotPrefix('n', 0, 'run*')).toThrow(InvalidQueueNameError);
    expect(new QueueKeys('a*[b]').batchPattern()).toBe('{a\\*\\[b\\]}:batch:*');
  });

  it('refuses colliding prefixes but not the same queue again', () => {
    expect(() => assertNoPrefixCollision('{x}', ['x'])).toThrow(QueuePrefixCollisionError);
    expect(() => assertNoPrefixCollision('x', ['{x}', 'y'])).toThrow(/both use the key prefix "\{x\}"/);
    expect(() => assertNoPrefixCollision('x', ['x', 'y'])).not.toThrow();
    expect(() => assertNoPrefixCollision('a{b', [])).toThrow(InvalidQueueNameError);
  });
});
