import type { LogReader } from './log-relay-board';
import { LogRelayBoard } from './log-relay-board';

function reader(): LogReader & { seen: unknown[] } {
  const seen: unknown[] = [];
  return { seen, containers: (c) => seen.push({ containers: c }), chunks: (c) => seen.push({ chunks: c }), failed: (m) => seen.push({ failed: m }) };
}

describe('LogRelayBoard', () => {
  it('wakes the node\'s open poll with a request and hands its answer to the reader', async () => {
    const board = new LogRelayBoard();
    expect(board.relays('n1')).toBe(false);
    const poll = board.poll('n1', 5_000, new AbortController().signal);
    expect(board.relays('n1')).toBe(true);
    const r = reader();
    board.ask('n1', { instance: 0, tail: 10, follow: false }, r);
    const envelope = await poll;
    expect(envelope.requests).toEqual([{ id: expect.any(String), instance: 0, tail: 10, follow: false }]);
    const id = envelope.requests[0].id;
    // Another node's answer to this id is not heard.
    expect(board.answer({ node_id: 'n2', request_id: id, containers: [] })).toBe(false);
    expect(r.seen).toEqual([]);
    expect(board.answer({ node_id: 'n1', request_id: id, containers: [] })).toBe(false);
    expect(r.seen).toEqual([{ containers: [] }]);
    expect(board.openRequests).toBe(0);
  });

  it('keeps a follow open until its reader leaves, then tells the node to end it', async () => {
    const board = new LogRelayBoard();
    const r = reader();
    const withdraw = board.ask('n1', { instance: null, tail: 5, follow: true }, r);
    const { requests } = await board.poll('n1', 0, new AbortController().signal);
    const id = requests[0].id;
    expect(board.answer({ node_id: 'n1', request_id: id, containers: [] })).toBe(true);
    expect(board.answer({ node_id: 'n1', request_id: id, chunks: [{ instance: 0, container_id: 'c', text: 'x\n' }] })).toBe(true);
    withdraw();
    expect(board.answer({ node_id: 'n1', request_id: id, chunks: [] })).toBe(false);
    expect((await board.poll('n1', 0, new AbortController().signal)).cancelled).toEqual([id]);
  });

  it('withdraws a request the node never fetched, and bounds what waits for a node that does not poll', () => {
    const board = new LogRelayBoard();
    const withdraw = board.ask('n1', { instance: null, tail: 5, follow: false }, reader());
    withdraw();
    expect(board.openRequests).toBe(0);
    for (let i = 0; i < 16; i++) board.ask('n1', { instance: null, tail: 5, follow: false }, reader());
    expect(() => board.ask('n1', { instance: null, tail: 5, follow: false }, reader())).toThrow(/16 log requests it has not fetched/);
  });
});
