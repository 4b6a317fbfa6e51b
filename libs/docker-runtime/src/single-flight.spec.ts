import { SingleFlight } from './single-flight';

describe('SingleFlight', () => {
  it('shares one run among concurrent callers of a key and frees the key afterwards', async () => {
    const flight = new SingleFlight<number>();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fn = async () => {
      runs++;
      await gate;
      return runs;
    };
    const calls = [flight.run('a', fn), flight.run('a', fn), flight.run('a', fn)];
    const other = flight.run('b', async () => 42);
    expect(flight.size).toBe(2);
    release();
    expect(await Promise.all(calls)).toEqual([1, 1, 1]);
    expect(await other).toBe(42);
    expect(runs).toBe(1);
    expect(flight.size).toBe(0);
    await flight.run('a', fn);
    expect(runs).toBe(2);
  });

  it('passes a failure to every waiting caller and lets the next call retry', async () => {
    const flight = new SingleFlight<string>();
    let runs = 0;
    const failing = async () => {
      runs++;
      throw new Error('boom');
    };
    const results = await Promise.allSettled([flight.run('k', failing), flight.run('k', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(runs).toBe(1);
    await expect(flight.run('k', async () => 'ok')).resolves.toBe('ok');
  });
});
