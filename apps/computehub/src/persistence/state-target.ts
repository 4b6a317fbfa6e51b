import { open, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type Redis from 'ioredis';

/**
 * One place the hub's state is written to, as readiness names it (`state_dir`, `tasks.json`),
 * with a probe: a write of the same size beside it, never over it (a probe that rewrote the
 * document itself could race a real save and put an older one back).
 */
export interface StateTarget {
  /** The medium: `state_dir` or `state Redis`. */
  readonly where: string;
  /** The document: `tasks.json`, `gridcore:hub:nodes`. */
  readonly name: string;
  /** Resolves once a write as large as the document succeeded (and was removed again). */
  probe(): Promise<void>;
}

/** A JSON file in state_dir; the probe is a temporary file the start-up sweep also recognises. */
export function fileStateTarget(path: string): StateTarget {
  return {
    where: 'state_dir',
    name: basename(path),
    async probe() {
      const size = await stat(path).then((s) => s.size, () => 0);
      const probe = join(dirname(path), `.write-probe.${basename(path)}.${process.pid}.tmp`);
      try {
        const handle = await open(probe, 'w', 0o600);
        try {
          await handle.writeFile(Buffer.alloc(Math.max(size, 1), 0x20));
          await handle.sync();
        } finally {
          await handle.close();
        }
      } finally {
        await unlink(probe).catch(() => undefined);
      }
    },
  };
}

/** A key of the state Redis; the probe writes a key of the same size (a string's) beside it. */
export function redisStateTarget(client: () => Redis, key: string): StateTarget {
  return {
    where: 'state Redis',
    name: key,
    async probe() {
      const redis = client();
      // A string document is probed at its own size; a hash (node records) with a modest write.
      const size = (await redis.type(key)) === 'string' ? await redis.strlen(key) : 4096;
      const probeKey = `${key}:write-probe`;
      await redis.set(probeKey, ' '.repeat(Math.max(size, 1)), 'EX', 60);
      await redis.del(probeKey);
    },
  };
}
