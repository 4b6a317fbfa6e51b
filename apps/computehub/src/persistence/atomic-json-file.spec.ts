import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtomicJsonFile } from './atomic-json-file';

describe('AtomicJsonFile', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'gridcore-atomic-'));

  it('reads null when absent and round-trips a document', async () => {
    const file = new AtomicJsonFile<{ n: number }>(join(dir(), 'state.json'));
    expect(await file.read()).toBeNull();
    await file.write({ n: 1 });
    expect(await file.read()).toEqual({ n: 1 });
  });

  it('leaves the last of many concurrent writes, whole, and no temporary file', async () => {
    const folder = dir();
    const file = new AtomicJsonFile<{ n: number; pad: string }>(join(folder, 'state.json'));
    await Promise.all(Array.from({ length: 50 }, (_, n) => file.write({ n, pad: 'x'.repeat(10_000) })));
    expect((await file.read())?.n).toBe(49);
    expect(readdirSync(folder)).toEqual(['state.json']);
  });

  it('keeps the previous document when a crash left only a torn temporary file', async () => {
    const folder = dir();
    const file = new AtomicJsonFile<{ n: number }>(join(folder, 'state.json'));
    await file.write({ n: 7 });
    // What a crash between write and rename leaves behind.
    writeFileSync(join(folder, 'state.json.999.tmp'), '{"n": 8, "tru');
    expect(await file.read()).toEqual({ n: 7 });
    expect(JSON.parse(readFileSync(join(folder, 'state.json'), 'utf8'))).toEqual({ n: 7 });
  });

  it('names the file when it holds no valid JSON', async () => {
    const folder = dir();
    writeFileSync(join(folder, 'state.json'), 'garbage');
    await expect(new AtomicJsonFile(join(folder, 'state.json')).read()).rejects.toThrow(/state\.json is not valid JSON/);
  });
});
