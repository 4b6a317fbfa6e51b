import { randomBytes } from 'node:crypto';
import type { ContainerLogChunkDto, ContainerLogDto, LogAnswerDto, LogRequestDto, LogRequestsEnvelopeDto } from '@gridcore/contracts';
import { TooManyRequestsError } from '../errors/too-many-requests.error';

/** Requests waiting for one node to fetch them: a node that stopped polling cannot pile them up. */
const MAX_QUEUED_PER_NODE = 16;
/** Cancellations kept for a node that does not poll (the oldest go: its follow ends by its keep-alive anyway). */
const MAX_CANCELLED_PER_NODE = 64;
/** Requests (one-shot and follows) open across the hub. */
const MAX_OPEN_REQUESTS = 1_000;
/** A node whose log poll came back within this long is taken to relay logs. */
export const RELAY_SEEN_WITHIN_MS = 45_000;

/** What the reader of one request hears. */
export interface LogReader {
  containers(containers: ContainerLogDto[]): void;
  chunks(chunks: ContainerLogChunkDto[]): void;
  failed(message: string): void;
}

interface OpenRequest {
  request: LogRequestDto;
  nodeId: string;
  reader: LogReader;
}

interface Mailbox {
  queued: LogRequestDto[];
  cancelled: string[];
  /** Wakes the open poll, if one waits. */
  wake: (() => void) | null;
  polls: number;
  lastPollMs: number;
}

/**
 * The hub's half of the log relay. The hub cannot open a connection to a volunteer's machine, so
 * a log request waits here in the node's mailbox until the node's own long-poll
 * (`GET /gridnode/logs/requests`) takes it, and the node's answer (`POST /gridnode/logs/answers`)
 * reaches the reader that asked. Everything is in memory: a request lives only as long as the
 * caller who waits for it.
 */
export class LogRelayBoard {
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly open = new Map<string, OpenRequest>();

  /** Whether the node polls for log requests now or did lately (an original node never does). */
  relays(nodeId: string, now = Date.now()): boolean {
    const box = this.mailboxes.get(nodeId);
    return !!box && (box.polls > 0 || now - box.lastPollMs < RELAY_SEEN_WITHIN_MS);
  }

  /** Queues a request for the node; the returned function withdraws it (the reader left). */
  ask(nodeId: string, want: Omit<LogRequestDto, 'id'>, reader: LogReader): () => void {
    if (this.open.size >= MAX_OPEN_REQUESTS) throw new TooManyRequestsError(`the hub already relays ${MAX_OPEN_REQUESTS} log requests; try again shortly`);
    const box = this.mailbox(nodeId);
    if (box.queued.length >= MAX_QUEUED_PER_NODE) {
      throw new TooManyRequestsError(`node ${nodeId} has ${MAX_QUEUED_PER_NODE} log requests it has not fetched yet; try again shortly`);
    }
    const request: LogRequestDto = { id: randomBytes(9).toString('base64url'), ...want };
    this.open.set(request.id, { request, nodeId, reader });
    box.queued.push(request);
    box.wake?.();
    return () => this.withdraw(request.id);
  }

  /** The node's long-poll: answers at once with what waits, else when something comes or after `waitMs`. */
  async poll(nodeId: string, waitMs: number, signal: AbortSignal): Promise<LogRequestsEnvelopeDto> {
    const box = this.mailbox(nodeId);
    box.polls++;
    try {
      if (box.queued.length === 0 && box.cancelled.length === 0 && waitMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, waitMs);
          const previous = box.wake;
          function done() {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            resolve();
          }
          // Two polls of one node at once (a restarted agent): a request wakes both; one takes it.
          box.wake = () => {
            previous?.();
            done();
          };
          signal.addEventListener('abort', done, { once: true });
        });
      }
      box.wake = null;
      const envelope = { requests: signal.aborted ? [] : box.queued.splice(0), cancelled: signal.aborted ? [] : box.cancelled.splice(0) };
      return envelope;
    } finally {
      box.polls--;
      box.lastPollMs = Date.now();
    }
  }

  /** A node's answer; false when no reader waits for it any more (the node ends a follow then). */
  answer(dto: LogAnswerDto): boolean {
    const open = this.open.get(dto.request_id);
    // Another node's request id is as unknown as a stale one: nothing is said about it.
    if (!open || open.nodeId !== dto.node_id) return false;
    if (dto.error) {
      open.reader.failed(dto.error);
      this.open.delete(dto.request_id);
      return false;
    }
    if (dto.containers) open.reader.containers(dto.containers);
    if (dto.chunks?.length) open.reader.chunks(dto.chunks);
    if (!open.request.follow) this.open.delete(dto.request_id);
    return open.request.follow;
  }

  /** Open requests (for a test or a metric). */
  get openRequests(): number {
    return this.open.size;
  }

  private withdraw(id: string): void {
    const open = this.open.get(id);
    if (!open) return;
    this.open.delete(id);
    const box = this.mailboxes.get(open.nodeId);
    if (!box) return;
    const at = box.queued.findIndex((r) => r.id === id);
    if (at >= 0) box.queued.splice(at, 1);
    else if (open.request.follow) {
      box.cancelled.push(id);
      if (box.cancelled.length > MAX_CANCELLED_PER_NODE) box.cancelled.shift();
      box.wake?.();
    }
  }

  /** Forgets a node (removed or revoked). */
  forget(nodeId: string): void {
    this.mailboxes.delete(nodeId);
  }

  private mailbox(nodeId: string): Mailbox {
    let box = this.mailboxes.get(nodeId);
    if (!box) this.mailboxes.set(nodeId, (box = { queued: [], cancelled: [], wake: null, polls: 0, lastPollMs: 0 }));
    return box;
  }
}
