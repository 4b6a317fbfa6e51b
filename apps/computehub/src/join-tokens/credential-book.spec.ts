import { HubConfig } from '../config/hub-config';
import { EventBus } from '../events/event-bus';
import { CredentialBook } from './credential-book';
import { CredentialChange, CredentialMaps, CredentialState } from './credential-records';
import { CredentialStore } from './credential-store';
import { configJoinTokenId, parseToken, tokenDigest } from './token-format';

/** The store as a list of changes, so a second book can load what the first wrote. */
class MemoryStore extends CredentialStore {
  readonly written: CredentialChange[] = [];
  failNext = false;
  async load(): Promise<CredentialState> {
    const maps = new CredentialMaps();
    for (const c of this.written) maps.apply(c);
    return maps.state();
  }
  async write(changes: readonly CredentialChange[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    this.written.push(...changes);
  }
}

describe('CredentialBook', () => {
  const CONFIG_TOKEN = 'config-join-token-0001';
  const config = HubConfig.fromValues({ token: 'legacy-token-0001', node_tokens: [CONFIG_TOKEN] });
  const open = async (store: MemoryStore) => {
    const book = new CredentialBook(store, config, new EventBus());
    await book.onModuleInit();
    return book;
  };

  it('finds a join token and a node credential by id and refuses any other secret under the same id', async () => {
    const book = await open(new MemoryStore());
    const { record, token } = await book.createJoinToken({ label: 'a', max_nodes: null, expires_at: null });
    expect(book.lookup(token)).toEqual({ kind: 'join', joinTokenId: record.id });
    const nodeToken = await book.issueCredential('n1', record.id);
    expect(book.lookup(nodeToken)).toEqual({ kind: 'node-credential', nodeId: 'n1', joinTokenId: record.id });
    const forged = `gcn_${parseToken(nodeToken)!.id}_${'A'.repeat(43)}`;
    expect(book.lookup(forged)).toEqual({ kind: 'refused', message: 'unknown node credential' });
    expect(book.lookup(`gcj_${record.id}_${'B'.repeat(43)}`)).toMatchObject({ kind: 'refused' });
    expect(book.lookup('something-else-entirely')).toEqual({ kind: 'other' });
  });

  it('treats node_tokens as join tokens that never expire, under a stable id', async () => {
    const book = await open(new MemoryStore());
    expect(book.lookup(CONFIG_TOKEN)).toEqual({ kind: 'join', joinTokenId: configJoinTokenId(CONFIG_TOKEN) });
    expect(book.lookup(`${CONFIG_TOKEN}x`)).toEqual({ kind: 'other' });
  });

  it('refuses an expired or revoked join token, and a revoked node with reason revoked', async () => {
    const book = await open(new MemoryStore());
    const expiring = await book.createJoinToken({ label: 'e', max_nodes: null, expires_at: '2030-01-01T00:00:00.000Z' });
    expect(book.lookup(expiring.token, Date.parse('2029-12-31T00:00:00Z')).kind).toBe('join');
    expect(book.lookup(expiring.token, Date.parse('2030-01-01T00:00:00Z'))).toMatchObject({ kind: 'refused', message: expect.stringContaining('expired') });
    const nodeToken = await book.issueCredential('n2', expiring.record.id);
    await book.revokeNode('n2', '2026-01-01T00:00:00.000Z');
    expect(book.lookup(nodeToken)).toMatchObject({ kind: 'refused', reason: 'revoked' });
    expect(book.liveCount(expiring.record.id)).toBe(0);
    await book.revokeJoinToken(expiring.record.id, '2026-01-01T00:00:00.000Z');
    expect(book.lookup(expiring.token, 0)).toMatchObject({ kind: 'refused', message: expect.stringContaining('revoked') });
  });

  it('keeps everything across a reload, stores only digests, and a removed node loses its credential', async () => {
    const store = new MemoryStore();
    const book = await open(store);
    const { record, token } = await book.createJoinToken({ label: 'k', max_nodes: 2, expires_at: null });
    const t1 = await book.issueCredential('k1', record.id);
    const t2 = await book.issueCredential('k2', record.id);
    await book.revokeNode('k2', '2026-01-01T00:00:00.000Z');
    expect(JSON.stringify(store.written)).not.toContain(token);
    expect(JSON.stringify(store.written)).not.toContain(t1);
    expect(JSON.stringify(store.written)).toContain(tokenDigest(t1));
    const reloaded = await open(store);
    expect(reloaded.lookup(t1).kind).toBe('node-credential');
    expect(reloaded.lookup(t2)).toMatchObject({ reason: 'revoked' });
    expect(reloaded.liveCount(record.id)).toBe(1);
    await reloaded.forgetNode('k1');
    expect(reloaded.lookup(t1)).toEqual({ kind: 'refused', message: 'unknown node credential' });
    await reloaded.forgetNode('k2');
    expect(reloaded.lookup(t2)).toMatchObject({ reason: 'revoked' });
  });

  it('replaces a node\'s old credential when it gets a new one, and undoes a change whose write failed', async () => {
    const store = new MemoryStore();
    const book = await open(store);
    const old = await book.issueCredential('r1', null);
    const fresh = await book.issueCredential('r1', null);
    expect(book.lookup(old).kind).toBe('refused');
    expect(book.lookup(fresh).kind).toBe('node-credential');
    store.failNext = true;
    await expect(book.issueCredential('r2', null)).rejects.toThrow(/nothing was changed/);
    expect(book.hasCredential('r2')).toBe(false);
  });
});
