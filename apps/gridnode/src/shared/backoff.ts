/** Exponential backoff with jitter: attempt 1 → about `baseMs`, doubling, never above `maxMs`. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, jitter: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  // Spread ±jitter around the exponential value so restarted workers do not move in lockstep.
  const spread = exp * (1 - jitter + 2 * jitter * random());
  return Math.round(Math.min(maxMs, Math.max(0, spread)));
}

/** Resolves after `ms`, or at once (false) when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
