/** What a handler gets besides its items. */
export interface BatchContext {
  batchKey: string;
  lane: number;
  /** True for a single item taken from retry (isolation: it failed before). */
  retried: boolean;
}

/** Gets a batch of items and returns one result per item, in order; a throw fails the whole batch. */
export type BatchHandler = (items: string[], ctx: BatchContext) => Promise<string[]> | string[];

/** Throws unless `results` holds one string per item (a bad answer fails the batch like a throw). */
export function checkResults(results: unknown, items: string[]): asserts results is string[] {
  if (!Array.isArray(results) || results.length !== items.length) {
    throw new Error(`handler returned ${Array.isArray(results) ? results.length : typeof results} result(s) for ${items.length} item(s)`);
  }
  const bad = results.findIndex((r) => typeof r !== 'string');
  if (bad >= 0) throw new Error(`handler result ${bad} is a ${typeof results[bad]}, not a string`);
}
