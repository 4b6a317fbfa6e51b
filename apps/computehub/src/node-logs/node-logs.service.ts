import { Injectable } from '@nestjs/common';
import type { ContainerLogChunkDto, ContainerLogDto, NodeLogsDto } from '@gridcore/contracts';
import { HubConfig } from '../config/hub-config';
import { ConflictError } from '../errors/conflict.error';
import { NodeUnresponsiveError } from '../errors/node-unresponsive.error';
import { NotFoundError } from '../errors/not-found.error';
import { maskLogSecrets } from '../redaction/log-secrets';
import { NodesService } from '../nodes/nodes.service';
import { LogReader, LogRelayBoard } from './log-relay-board';
import { LogSecrets } from './log-secrets.port';

/** How long a caller waits for an online node's answer (it normally comes in milliseconds). */
export const LOG_ANSWER_DEADLINE_MS = 5_000;
export const DEFAULT_TAIL_LINES = 200;

export interface LogWant {
  instance: number | null;
  tail: number;
}

/** What a follow's reader receives, masked. */
export interface FollowReader {
  containers(containers: ContainerLogDto[], roundTripMs: number): void;
  chunks(chunks: ContainerLogChunkDto[]): void;
  end(reason: string): void;
}

/**
 * Container logs of any node, fetched over the node's own connection (LogRelayBoard) and masked
 * before they leave the hub. A node that is offline, or one that does not relay logs (the
 * original's GridNode), is refused at once with a 409 that says so: nothing waits for an answer
 * that cannot come.
 */
@Injectable()
export class NodeLogs {
  constructor(
    private readonly nodes: NodesService,
    private readonly config: HubConfig,
    private readonly board: LogRelayBoard,
    private readonly secrets: LogSecrets,
  ) {}

  /** The kept output of the node's containers, once. */
  async fetch(nodeId: string, want: LogWant): Promise<NodeLogsDto> {
    this.assertReachable(nodeId);
    const asked = Date.now();
    const containers = await new Promise<ContainerLogDto[]>((resolve, reject) => {
      let withdraw = () => undefined as void;
      const timer = setTimeout(() => {
        withdraw();
        reject(new NodeUnresponsiveError(`node ${nodeId} did not answer the log request within ${LOG_ANSWER_DEADLINE_MS / 1000} s (it may be busy or losing its connection)`));
      }, LOG_ANSWER_DEADLINE_MS);
      const reader: LogReader = {
        containers: (c) => {
          clearTimeout(timer);
          resolve(c);
        },
        chunks: () => undefined,
        failed: (message) => {
          clearTimeout(timer);
          reject(new ConflictError(`node ${nodeId} cannot send its logs: ${message}`));
        },
      };
      try {
        withdraw = this.board.ask(nodeId, { ...want, follow: false }, reader);
      } catch (err) {
        clearTimeout(timer);
        reject(err);
      }
    });
    const literals = this.secrets.literalsFor(nodeId);
    return { node_id: nodeId, round_trip_ms: Date.now() - asked, containers: containers.map((c) => ({ ...c, text: maskLogSecrets(c.text, literals) })) };
  }

  /**
   * Follows the node's output: the kept output first, then what comes, until the returned
   * function is called (the reader left) or the node goes offline.
   */
  follow(nodeId: string, want: LogWant, reader: FollowReader): () => void {
    this.assertReachable(nodeId);
    const asked = Date.now();
    let answered = false;
    let ended = false;
    const literals = () => this.secrets.literalsFor(nodeId);
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      clearTimeout(firstAnswer);
      clearInterval(liveness);
      withdraw();
      reader.end(reason);
    };
    const withdraw = this.board.ask(nodeId, { ...want, follow: true }, {
      containers: (c) => {
        answered = true;
        clearTimeout(firstAnswer);
        const masked = literals();
        reader.containers(c.map((x) => ({ ...x, text: maskLogSecrets(x.text, masked) })), Date.now() - asked);
      },
      chunks: (chunks) => {
        const masked = literals();
        reader.chunks(chunks.map((x) => ({ ...x, text: maskLogSecrets(x.text, masked) })));
      },
      failed: (message) => end(`node ${nodeId} cannot send its logs: ${message}`),
    });
    const firstAnswer = setTimeout(() => {
      if (!answered) end(`node ${nodeId} did not answer the log request within ${LOG_ANSWER_DEADLINE_MS / 1000} s`);
    }, LOG_ANSWER_DEADLINE_MS);
    const liveness = setInterval(() => {
      const why = this.unreachable(nodeId);
      if (why) end(why);
    }, 1_000);
    return () => {
      if (ended) return;
      ended = true;
      clearTimeout(firstAnswer);
      clearInterval(liveness);
      withdraw();
    };
  }

  /** 404 for an unknown node, 409 for one that cannot answer now. */
  assertReachable(nodeId: string): void {
    if (!this.nodes.find(nodeId)) throw new NotFoundError(`Node ${nodeId} not found`);
    const why = this.unreachable(nodeId);
    if (why) throw new ConflictError(why);
  }

  private unreachable(nodeId: string, now = Date.now()): string | null {
    const node = this.nodes.find(nodeId);
    if (!node) return `node ${nodeId} was removed`;
    if (node.revoked_at) return `node ${nodeId} was revoked; it keeps no logs the hub can ask for`;
    if (node.left_at) return `node ${nodeId} left the grid at ${node.left_at}; its logs went with it`;
    const offlineAfterS = this.config.values.node_offline_after_s;
    const silentS = (now - node.last_seen_ms) / 1000;
    if (!node.online && silentS < offlineAfterS) {
      return `node ${nodeId} is offline (no heartbeat since the hub started, or it was marked offline): its logs cannot be fetched until it is back`;
    }
    if (!node.online || silentS >= offlineAfterS) {
      return `node ${nodeId} is offline (no heartbeat for ${Math.round(silentS)} s; node_offline_after_s is ${offlineAfterS}): its logs cannot be fetched until it is back`;
    }
    if (!this.board.relays(nodeId, now)) {
      return `node ${nodeId} does not relay logs (it never polled GET /gridnode/logs/requests: the original GridNode or an older agent)`;
    }
    return null;
  }
}
