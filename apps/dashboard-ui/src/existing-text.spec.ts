import { existingText } from './existing-text';

describe('existingText', () => {
  it('names what a reused name or queue held, and what fresh deleted', () => {
    expect(existingText({ name: 'sqrt', existing: { input: 0, output: 0, previous_runs: 0 }, cleared: null })).toBeNull();
    expect(existingText({ name: 'sqrt', existing: null })).toBeNull();
    expect(existingText({ name: 'sqrt', existing: { input: 40, output: 60, previous_runs: 1 }, cleared: null })).toBe(
      'At registration: 40 items were already in the input list; 60 results were already in the output list, and its results include them; 1 earlier run of sqrt.',
    );
    expect(existingText({ name: 'sqrt', existing: { input: 40, output: 0, previous_runs: 2 }, cleared: { output: 60, protocol_keys: 5 } })).toBe(
      'At registration: fresh start: 60 old results and 5 protocol keys deleted; 40 items were already in the input list; 2 earlier runs of sqrt.',
    );
  });
});
