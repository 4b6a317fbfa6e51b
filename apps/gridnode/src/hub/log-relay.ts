import { Logger } from '@nestjs/common';
import type { ContainerLogChunkDto, ContainerLogDto, LogRequestDto } from '@gridcore/contracts/logs/container-logs.dto';
import { CONTAINER_LOG_LIMITS } from '@gridcore/contracts/logs/container-logs.dto';
import { backoffDelay, sleep } from '../shared/backoff';
import { LogSource } from '../shared/log-source';
import { HubClient } from './hub-client';
import { HubHttpError } from './hub-errors';

/** Seconds one log long-poll waits at the hub. */
export const LOG_POLL_WAIT_S = 25;
/** Bytes of log text one answer carries at most (the hub takes 1 MiB bodies on this route). */
export const ANSWER_TEXT_BUDGET = 900 * 1024;
/** How often a follow sends what came. */
const FOLLOW_FLUSH_MS = 200;
/** A quiet follow still asks this often whether the hub wants it (an abandoned one ends then). */
const FOLLOW_KEEPALIVE_MS = 10_000;
/** Follows a node runs at once. */
const MAX_FOLLOWS = 8;
/** A hub without the log relay (older) is asked again this seldom. */
const NO_RELAY_PAUSE_MS = 5 * 60_000;

/**
 * The node's half of the log relay. The hub cannot reach a volunteer's machine, so the node
 * long-polls `GET /gridnode/logs/requests` with its own credential, and answers each request with
 * `POST /gridnode/logs/answers`: the kept output at once, then for a follow the new output every
 * 200 ms until the hub answers `continue: false` (its reader left) or cancels it.
 */
export class LogRelay {
  private readonly logger = new Logger('LogRelay');
  private readonly closed = new AbortController();
  private readonly follows = new Map<string, AbortController>();
  private loop?: Promise<void>;
  private failures = 0;

  constructor(
    private readonly hub: HubClient,
    private readonly logs: LogSource,
    private readonly nodeId: () => string | null,
    private readonly waitS = LOG_POLL_WAIT_S,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async close(): Promise<void> {
    this.closed.abort();
    for (const follow of this.follows.values()) follow.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.closed.signal;
    while (!signal.aborted) {
      const id = this.nodeId();
      if (!id) {
        await sleep(1_000, signal);
        continue;
      }
      try {
        const envelope = await this.hub.pollLogRequests(id, this.waitS, signal);
        this.failures = 0;
        for (const cancelled of envelope.cancelled ?? []) this.follows.get(cancelled)?.abort();
        for (const request of envelope.requests ?? []) void this.answer(id, request);
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof HubHttpError && err.status === 404) {
          this.logger.log('the hub relays no logs (an older hub); asking again in 5 min');
          await sleep(NO_RELAY_PAUSE_MS, signal);
          continue;
        }
        this.failures++;
        // The heartbeat already says when the hub is away: one quiet retry with backoff.
        await sleep(backoffDelay(this.failures, 500, 30_000, 0.2), signal);
      }
    }
  }

  private async answer(nodeId: string, request: LogRequestDto): Promise<void> {
    const tail = Math.max(1, Math.min(CONTAINER_LOG_LIMITS.max_tail_lines, Math.floor(request.tail) || 1));
    if (!request.follow) {
      await this.send(nodeId, request.id, { containers: withinBudget(this.logs.snapshot(request.instance, tail)) });
      return;
    }
    if (this.follows.size >= MAX_FOLLOWS) {
      await this.send(nodeId, request.id, { error: `this node already streams ${MAX_FOLLOWS} logs; close one first` });
      return;
    }
    const stop = new AbortController();
    this.follows.set(request.id, stop);
    const pending = new FollowBuffer();
    const unsubscribe = this.logs.follow(request.instance, (chunk) => pending.add(chunk));
    try {
      if (!(await this.send(nodeId, request.id, { containers: withinBudget(this.logs.snapshot(request.instance, tail)) }))) return;
      let lastSent = Date.now();
      while (!stop.signal.aborted && !this.closed.signal.aborted) {
        await sleep(FOLLOW_FLUSH_MS, stop.signal);
        const chunks = pending.take();
        if (chunks.length === 0 && Date.now() - lastSent < FOLLOW_KEEPALIVE_MS) continue;
        lastSent = Date.now();
        if (!(await this.send(nodeId, request.id, { chunks }))) return;
      }
    } finally {
      unsubscribe();
      this.follows.delete(request.id);
    }
  }

  /** Sends one answer; false when the hub no longer wants the request (or cannot be reached). */
  private async send(nodeId: string, requestId: string, body: { containers?: ContainerLogDto[]; chunks?: ContainerLogChunkDto[]; error?: string }): Promise<boolean> {
    try {
      const answer = await this.hub.sendLogAnswer({ node_id: nodeId, request_id: requestId, ...body });
      return answer.continue !== false;
    } catch (err) {
      if (!this.closed.signal.aborted) this.logger.warn(`could not send the logs of request ${requestId}: ${(err as Error).message}`);
      return false;
    }
  }
}

/** Cuts the containers' texts (oldest output first) so that the answer stays within the budget. */
export function withinBudget(containers: ContainerLogDto[], budget = ANSWER_TEXT_BUDGET): ContainerLogDto[] {
  const total = containers.reduce((sum, c) => sum + Buffer.byteLength(c.text), 0);
  if (total <= budget) return containers;
  const share = Math.floor(budget / Math.max(1, containers.length));
  return containers.map((c) => {
    const bytes = Buffer.from(c.text);
    if (bytes.length <= share) return c;
    const kept = bytes.subarray(bytes.length - share).toString('utf8');
    const newline = kept.indexOf('\n');
    return { ...c, truncated: true, text: newline >= 0 ? kept.slice(newline + 1) : kept };
  });
}

/**
 * A follow's output not yet sent, per container. Only whole lines go out (the hub masks secrets
 * line by line, and a password split across two chunks would slip past): a partial line waits
 * for its end, unless it grows past 4 KiB or the container exits.
 */
export class FollowBuffer {
  private readonly texts = new Map<string, { instance: number; text: string; exitCode?: number | null; exited: boolean }>();

  add(chunk: ContainerLogChunkDto): void {
    const entry = this.texts.get(chunk.container_id) ?? { instance: chunk.instance, text: '', exited: false };
    entry.text += chunk.text;
    if (chunk.exit_code !== undefined) {
      entry.exited = true;
      entry.exitCode = chunk.exit_code;
    }
    this.texts.set(chunk.container_id, entry);
  }

  /** What is ready to go, at most `maxPieces` pieces of 16 KiB (the rest waits for the next flush). */
  take(maxPieces = 48): ContainerLogChunkDto[] {
    const piece = CONTAINER_LOG_LIMITS.chunk_bytes / 4;
    const out: ContainerLogChunkDto[] = [];
    for (const [containerId, entry] of this.texts) {
      const ready = entry.exited || entry.text.length > 4096 ? entry.text.length : entry.text.lastIndexOf('\n') + 1;
      let sent = 0;
      while (sent < ready && out.length < maxPieces) {
        const text = entry.text.slice(sent, Math.min(ready, sent + piece));
        out.push({ instance: entry.instance, container_id: containerId, text });
        sent += text.length;
      }
      entry.text = entry.text.slice(sent);
      if (entry.exited && entry.text === '' && out.length < maxPieces) {
        const last = out[out.length - 1];
        if (last && last.container_id === containerId && sent > 0) last.exit_code = entry.exitCode ?? null;
        else out.push({ instance: entry.instance, container_id: containerId, text: '', exit_code: entry.exitCode ?? null });
        this.texts.delete(containerId);
      } else if (!entry.exited && entry.text === '') {
        this.texts.delete(containerId);
      }
      if (out.length >= maxPieces) break;
    }
    return out;
  }
}
