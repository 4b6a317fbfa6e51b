import type { ContainerLogChunkDto, ContainerLogDto } from '@gridcore/contracts/logs/container-logs.dto';

/**
 * The containers' kept output as the hub side reads it (port): the log book answers it, the log
 * relay reads it. It sits here so that `hub/` needs nothing from `logs/` or `workers/`.
 */
export abstract class LogSource {
  /** Every kept container (of one instance, or all), oldest first, each cut to its last `tail` lines. */
  abstract snapshot(instance: number | null, tail: number): ContainerLogDto[];
  /** Calls `listener` with each piece of new output (of one instance, or all) until the returned function is called. */
  abstract follow(instance: number | null, listener: (chunk: ContainerLogChunkDto) => void): () => void;
}
