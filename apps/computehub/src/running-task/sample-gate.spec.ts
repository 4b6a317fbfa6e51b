import { SampleGate } from './sample-gate';

/** A sample whose end the test decides. */
function controlledSamples() {
  const started: Array<() => void> = [];
  const sample = () => new Promise<void>((resolve) => started.push(resolve));
  return { started, sample };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('SampleGate', () => {
  it('a periodic caller joins the running sample instead of starting a second one', async () => {
    const { started, sample } = controlledSamples();
    const gate = new SampleGate(sample);
    const first = gate.any();
    const second = gate.any();
    expect(started).toHaveLength(1);
    started[0]();
    await Promise.all([first, second]);
    expect(started).toHaveLength(1);
  });

  it('a fresh caller during a sample gets the next one, which starts only after the running one ends', async () => {
    const { started, sample } = controlledSamples();
    const gate = new SampleGate(sample);
    void gate.any();
    let freshDone = false;
    const fresh = gate.fresh().then(() => (freshDone = true));
    const alsoFresh = gate.fresh();
    await flush();
    expect(started).toHaveLength(1); // never two at once
    started[0]();
    await flush();
    expect(started).toHaveLength(2); // the queued one, shared by both fresh callers
    expect(freshDone).toBe(false);
    started[1]();
    await Promise.all([fresh, alsoFresh]);
    expect(started).toHaveLength(2);
  });

  it('a fresh caller with nothing running starts a sample at once; a failed sample frees the gate', async () => {
    let calls = 0;
    const gate = new SampleGate(async () => {
      calls++;
      if (calls === 1) throw new Error('redis away');
    });
    await expect(gate.fresh()).rejects.toThrow('redis away');
    await gate.fresh();
    expect(calls).toBe(2);
  });
});

describe('SampleGate after a failure', () => {
  it('a fresh caller queued behind a sample that fails still gets its own sample', async () => {
    let calls = 0;
    let failFirst!: (err: Error) => void;
    const gate = new SampleGate(() => {
      calls++;
      if (calls === 1) return new Promise<void>((_, reject) => (failFirst = reject));
      return Promise.resolve();
    });
    const first = gate.any().catch(() => 'failed');
    const fresh = gate.fresh();
    failFirst(new Error('redis away'));
    expect(await first).toBe('failed');
    await fresh;
    expect(calls).toBe(2);
  });
});
