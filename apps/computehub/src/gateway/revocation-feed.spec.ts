import { Subject } from 'rxjs';
import type { GatewayDirectory } from '@gridcore/gateway';
import type { EventBus } from '../events/event-bus';
import { RevocationFeed } from './revocation-feed';

describe('RevocationFeed', () => {
  const revoked = new Subject<string>();
  const closing = new Subject<void>();
  const feed = new RevocationFeed({ revocations: () => revoked.asObservable() } as unknown as GatewayDirectory, { isClosing: false, closing$: closing } as unknown as EventBus);
  const never = new AbortController().signal;
  beforeAll(() => feed.onModuleInit());
  afterAll(() => feed.onModuleDestroy());

  it('gives a new gateway the present cursor, then what was revoked after it', async () => {
    revoked.next('before');
    const start = await feed.after(null, 0, never);
    expect(start.node_ids).toEqual([]);
    revoked.next('n1');
    revoked.next('n2');
    const next = await feed.after(start.cursor, 0, never);
    expect(next.node_ids).toEqual(['n1', 'n2']);
    expect((await feed.after(next.cursor, 0, never)).node_ids).toEqual([]);
  });

  it('wakes a waiting poll at the revocation, and answers empty when the wait ends', async () => {
    const { cursor } = await feed.after(null, 0, never);
    const t = Date.now();
    const waiting = feed.after(cursor, 10, never);
    setTimeout(() => revoked.next('n3'), 50);
    expect((await waiting).node_ids).toEqual(['n3']);
    expect(Date.now() - t).toBeLessThan(2_000);
    const { cursor: now } = await feed.after(null, 0, never);
    expect((await feed.after(now, 0.05, never)).node_ids).toEqual([]);
  });

  it('lists a restarted hub\'s revocations from their start for a cursor of another boot', async () => {
    const answer = await feed.after('000000000000:5', 0, never);
    expect(answer.node_ids).toEqual(['before', 'n1', 'n2', 'n3']);
    expect(answer.cursor.startsWith(`${feed.boot}:`)).toBe(true);
  });
});
