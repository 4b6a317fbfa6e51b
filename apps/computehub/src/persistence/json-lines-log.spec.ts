import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonLinesLog, LogLine } from './json-lines-log';

describe('JsonLinesLog', () => {
  const file = () => join(mkdtempSync(join(tmpdir(), 'gridcore-log-')), 'x.log');
  const replayAll = async (log: JsonLinesLog) => {
    const lines: LogLine[] = [];
    const report = await log.replay((line) => lines.push(line));
    return { values: lines.map((l) => l.value), report };
  };

  it('replays nothing (null) when the file is absent, and what was appended otherwise', async () => {
    const log = new JsonLinesLog(file());
    expect(await log.replay(() => undefined)).toBeNull();
    await log.append([{ n: 1 }, { n: 2 }]);
    await log.append([{ n: 3 }]);
    await log.close();
    expect((await replayAll(new JsonLinesLog(log.path))).values).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('keeps everything before a torn last line, cuts it off, and appends cleanly after it', async () => {
    const path = file();
    writeFileSync(path, '{"n":1}\n{"n":2}\n{"n":3, "pa');
    const log = new JsonLinesLog(path);
    const { values, report } = await replayAll(log);
    expect(values).toEqual([{ n: 1 }, { n: 2 }]);
    expect(report).toMatchObject({ lines: 2, tornBytes: 11, badLines: [] });
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
    await log.append([{ n: 4 }]);
    await log.close();
    expect((await replayAll(new JsonLinesLog(path))).values).toEqual([{ n: 1 }, { n: 2 }, { n: 4 }]);
  });

  it('leaves out a complete line that holds no JSON, naming it, and keeps the rest', async () => {
    const path = file();
    writeFileSync(path, '{"n":1}\ngarbage\n{"n":3}\n');
    const { values, report } = await replayAll(new JsonLinesLog(path));
    expect(values).toEqual([{ n: 1 }, { n: 3 }]);
    expect(report?.badLines).toEqual([2]);
  });

  it('replaces the file whole and leaves no temporary file; a leftover one is removed at replay', async () => {
    const path = file();
    const log = new JsonLinesLog(path);
    await log.append([{ n: 1 }, { n: 2 }]);
    expect(await log.replaceWith([{ n: 9 }])).toBe(1);
    await log.append([{ n: 10 }]);
    await log.close();
    expect(readFileSync(path, 'utf8')).toBe('{"n":9}\n{"n":10}\n');
    expect(existsSync(log.tempPath)).toBe(false);
    // What a crash during a compaction leaves: the old log whole, and a temporary file.
    appendFileSync(log.tempPath, '{"n":11}\n{"n":');
    expect((await replayAll(new JsonLinesLog(path))).values).toEqual([{ n: 9 }, { n: 10 }]);
    expect(existsSync(log.tempPath)).toBe(false);
  });

  it('reads lines longer than a read chunk', async () => {
    const path = file();
    const big = { pad: 'x'.repeat(200_000) };
    const log = new JsonLinesLog(path);
    await log.append([big, { n: 2 }]);
    await log.close();
    expect((await replayAll(new JsonLinesLog(path))).values).toEqual([big, { n: 2 }]);
  });
});
