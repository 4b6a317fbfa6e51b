/**
 * The conformance suite's TypeScript worker: the reference workload plus misbehaviours chosen
 * by env (TEST_POISON: an item that throws; TEST_HANG: an item whose handler never returns;
 * TEST_DELAY_MS: time spent per batch). test_worker.py is its Python twin. It imports the SDK by its
 * package name, so the same file runs on the sources (helpers/worker-process.ts) and on the
 * installed npm package (helpers/installed-sdks.ts).
 */
import { runWorker } from '@gridcore/worker';

const poison = process.env.TEST_POISON;
const hang = process.env.TEST_HANG;
const delayMs = Number(process.env.TEST_DELAY_MS ?? 0);

void runWorker(async (items) => {
  if (hang && items.includes(hang)) await new Promise(() => undefined);
  if (poison && items.includes(poison)) throw new Error(`poison item ${poison}`);
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  return items.map((n) => `${n}:${Math.sqrt(Number(n))}`);
});
