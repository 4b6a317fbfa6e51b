import { createReadStream } from 'node:fs';
import { FileHandle, mkdir, open, rename, truncate, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One line of the log as replay and compaction see it. */
export interface LogLine {
  value: unknown;
  /** 0-based among the valid lines of the file as it is now. */
  lineNo: number;
}

/** What a replay found besides the valid lines; the caller logs it. */
export interface ReplayReport {
  lines: number;
  /** Bytes of an unfinished last line (a crash mid-append), cut off the file. */
  tornBytes: number;
  /** 1-based line numbers of complete lines that held no JSON, left out. */
  badLines: number[];
}

/** Appends are written in pieces of about this size, so no batch builds one huge string. */
const WRITE_CHUNK_CHARS = 1 << 20;

/**
 * An append-only file of JSON values, one a line. An append is fsynced before it resolves; a
 * crash mid-append leaves at most an unfinished last line, which the next replay cuts off
 * (everything before it is kept). Compaction rewrites the file through a temporary file and a
 * rename, so a crash during it leaves the old file whole. Callers serialise their calls.
 */
export class JsonLinesLog {
  private handle: FileHandle | null = null;

  constructor(readonly path: string) {}

  get tempPath(): string {
    return `${this.path}.compact.tmp`;
  }

  /** Reads every valid line in order; cuts an unfinished last line off the file. */
  async replay(onLine: (line: LogLine) => void): Promise<ReplayReport | null> {
    await unlink(this.tempPath).catch(() => undefined);
    const report: ReplayReport = { lines: 0, tornBytes: 0, badLines: [] };
    let physical = 0;
    let goodBytes = 0;
    try {
      for await (const { text, bytes, complete } of this.rawLines()) {
        if (!complete) {
          report.tornBytes = bytes;
          break;
        }
        physical += 1;
        goodBytes += bytes;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          report.badLines.push(physical);
          continue;
        }
        onLine({ value, lineNo: report.lines++ });
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    if (report.tornBytes > 0) await truncate(this.path, goodBytes);
    return report;
  }

  /** Appends values, one a line, and fsyncs before resolving. */
  async append(values: readonly unknown[]): Promise<void> {
    if (values.length === 0) return;
    const handle = await this.appendHandle();
    let piece = '';
    for (const value of values) {
      piece += `${JSON.stringify(value)}\n`;
      if (piece.length >= WRITE_CHUNK_CHARS) {
        await handle.write(piece);
        piece = '';
      }
    }
    if (piece) await handle.write(piece);
    await handle.datasync();
  }

  /**
   * Replaces the file with `values` (a compaction or a migration): written to a temporary file,
   * fsynced and renamed over the log, so a crash leaves either the old file or the new one.
   * Returns how many lines the new file holds.
   */
  async replaceWith(values: AsyncIterable<unknown> | Iterable<unknown>): Promise<number> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = await open(this.tempPath, 'w', 0o600);
    let lines = 0;
    try {
      let piece = '';
      for await (const value of values) {
        piece += `${JSON.stringify(value)}\n`;
        lines += 1;
        if (piece.length >= WRITE_CHUNK_CHARS) {
          await tmp.write(piece);
          piece = '';
        }
      }
      if (piece) await tmp.write(piece);
      await tmp.sync();
    } catch (err) {
      await tmp.close();
      await unlink(this.tempPath).catch(() => undefined);
      throw err;
    }
    await tmp.close();
    await this.closeAppendHandle();
    await rename(this.tempPath, this.path);
    await syncFolder(dirname(this.path));
    return lines;
  }

  /** The valid lines of the file as it is now (for compaction), in order. */
  async *lines(): AsyncGenerator<LogLine> {
    let lineNo = 0;
    for await (const { text, complete } of this.rawLines()) {
      if (!complete) return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        continue;
      }
      yield { value, lineNo: lineNo++ };
    }
  }

  async close(): Promise<void> {
    await this.closeAppendHandle();
  }

  private async appendHandle(): Promise<FileHandle> {
    if (!this.handle) {
      await mkdir(dirname(this.path), { recursive: true });
      this.handle = await open(this.path, 'a', 0o600);
    }
    return this.handle;
  }

  private async closeAppendHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }

  /** The file's lines with their byte length (newline included); the last may be unfinished. */
  private async *rawLines(): AsyncGenerator<{ text: string; bytes: number; complete: boolean }> {
    let rest = Buffer.alloc(0);
    for await (const chunk of createReadStream(this.path) as AsyncIterable<Buffer>) {
      const data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
        yield { text: data.toString('utf8', start, nl), bytes: nl + 1 - start, complete: true };
        start = nl + 1;
      }
      rest = data.subarray(start);
    }
    if (rest.length > 0) yield { text: rest.toString('utf8'), bytes: rest.length, complete: false };
  }
}

async function syncFolder(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
