import type { ContainerLogChunkDto, ContainerLogDto } from '@gridcore/contracts/logs/container-logs.dto';
import { CONTAINER_LOG_LIMITS } from '@gridcore/contracts/logs/container-logs.dto';
import { LogSource } from '../shared/log-source';
import { lastLines, LogTail } from './log-tail';

/** One container's kept output and how it ended. */
export class ContainerLogEntry {
  readonly tail: LogTail;
  readonly startedAt = new Date().toISOString();
  exitedAt: string | null = null;
  exitCode: number | null = null;

  constructor(
    readonly instance: number,
    readonly containerId: string,
    readonly task: string,
    maxBytes: number,
    private readonly publish: (chunk: ContainerLogChunkDto) => void,
  ) {
    this.tail = new LogTail(maxBytes);
  }

  append(chunk: Buffer): void {
    this.tail.append(chunk);
    this.publish({ instance: this.instance, container_id: this.containerId, text: chunk.toString('utf8') });
  }

  /** The container ended; `code` null when the node stopped it. */
  exited(code: number | null): void {
    if (this.exitedAt) return;
    this.exitedAt = new Date().toISOString();
    this.exitCode = code;
    this.publish({ instance: this.instance, container_id: this.containerId, text: '', exit_code: code });
  }

  view(tail: number): ContainerLogDto {
    return {
      instance: this.instance,
      container_id: this.containerId,
      task: this.task,
      started_at: this.startedAt,
      exited_at: this.exitedAt,
      exit_code: this.exitCode,
      running: this.exitedAt === null,
      truncated: this.tail.truncated,
      text: lastLines(this.tail.text(), tail),
    };
  }
}

type Listener = { instance: number | null; send: (chunk: ContainerLogChunkDto) => void };

/**
 * The agent's memory of its containers' output: per instance the last three containers of the
 * current task (the running one and those that exited or crashed), the last 64 KiB of each. The
 * containers themselves are removed as before; only this stays, and it goes with the task.
 */
export class ContainerLogBook extends LogSource {
  private readonly byInstance = new Map<number, ContainerLogEntry[]>();
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly perInstance: number = CONTAINER_LOG_LIMITS.containers_per_instance,
    private readonly maxBytes: number = CONTAINER_LOG_LIMITS.bytes_per_container,
  ) {
    super();
  }

  /** A new container of `task` on `instance`: the oldest kept one beyond three goes, as do other tasks' ones. */
  open(instance: number, containerId: string, task: string): ContainerLogEntry {
    for (const [key, entries] of this.byInstance) {
      const kept = entries.filter((e) => e.task === task);
      if (kept.length) this.byInstance.set(key, kept);
      else this.byInstance.delete(key);
    }
    const entry = new ContainerLogEntry(instance, containerId, task, this.maxBytes, (chunk) => this.publish(chunk));
    const entries = [...(this.byInstance.get(instance) ?? []), entry];
    this.byInstance.set(instance, entries.slice(-this.perInstance));
    return entry;
  }

  snapshot(instance: number | null, tail: number): ContainerLogDto[] {
    const instances = instance === null ? [...this.byInstance.keys()].sort((a, b) => a - b) : [instance];
    return instances.flatMap((i) => (this.byInstance.get(i) ?? []).map((e) => e.view(tail)));
  }

  follow(instance: number | null, send: (chunk: ContainerLogChunkDto) => void): () => void {
    const listener = { instance, send };
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private publish(chunk: ContainerLogChunkDto): void {
    for (const l of this.listeners) if (l.instance === null || l.instance === chunk.instance) l.send(chunk);
  }
}
