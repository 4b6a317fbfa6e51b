import { unlessChanged } from './unchanged';

class Instance {
  instance = 0;
  state = 'running';
  container_id?: string;
  last_error: string | null = null;
}

const instance = (fields: Partial<Instance> = {}): Instance => Object.assign(new Instance(), fields);

describe('unlessChanged', () => {
  it('keeps the stored value when the new one holds the same data', () => {
    const stored = [instance({ container_id: 'c1' }), instance({ instance: 1, container_id: 'c2', last_error: 'exit code 1' })];
    const again = [instance({ container_id: 'c1' }), instance({ instance: 1, container_id: 'c2', last_error: 'exit code 1' })];
    expect(unlessChanged(stored, again)).toBe(stored);
    expect(unlessChanged({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toEqual({ a: [1, { b: null }] });
    const kept = { a: [1, { b: null }] };
    expect(unlessChanged(kept, { a: [1, { b: null }] })).toBe(kept);
  });

  it('takes the new value for any difference: a field, an item, the length, a field more or less, the class', () => {
    const stored = [instance({ container_id: 'c1' })];
    for (const next of [
      [instance({ container_id: 'c2' })],
      [instance({ container_id: 'c1', state: 'backoff' })],
      [instance({ container_id: 'c1' }), instance({ instance: 1 })],
      [],
      [Object.assign(instance({ container_id: 'c1' }), { restarts: 1 })],
      [instance()],
      [{ ...instance({ container_id: 'c1' }) }],
    ]) {
      expect(unlessChanged(stored, next)).toBe(next);
    }
    const withField = { a: 1, b: undefined as number | undefined };
    const next = { a: 1 } as typeof withField;
    expect(unlessChanged(withField, next)).toBe(next);
    expect(unlessChanged<unknown>([1], { 0: 1, length: 1 })).toEqual({ 0: 1, length: 1 });
    expect(unlessChanged<unknown>(null, {})).toEqual({});
    expect(unlessChanged<unknown>(1, '1')).toBe('1');
  });

  it('treats data nested deeper than it looks as changed, so a hostile body cannot make it recurse without bound', () => {
    const deep = (): unknown => {
      let value: unknown = 1;
      for (let i = 0; i < 20; i++) value = [value];
      return value;
    };
    const stored = deep();
    const next = deep();
    expect(unlessChanged(stored, next)).toBe(next);
  });
});
