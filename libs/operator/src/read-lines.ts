import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { OperatorError } from './operator-error';

/**
 * The lines of a stream as arrays (one array per chunk read), without the line breaks; `\r\n`
 * counts as one break and empty lines are skipped (an empty item is never meant). Much cheaper
 * than readline's per-line events for millions of lines.
 */
export async function* readLines(stream: Readable): AsyncGenerator<string[]> {
  stream.setEncoding('utf8');
  let rest = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    const text = rest + chunk;
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    const items = cleanLines(lines);
    if (items.length) yield items;
  }
  const last = cleanLines([rest]);
  if (last.length) yield last;
}

function cleanLines(lines: string[]): string[] {
  const out: string[] = [];
  for (let line of lines) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.length) out.push(line);
  }
  return out;
}

/**
 * Opens `path` for {@link readLines} (`-` is stdin). Fails with one line when the file cannot be
 * read, before anything is pushed.
 */
export async function openItems(path: string): Promise<Readable> {
  if (path === '-') return process.stdin;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  await new Promise<void>((resolve, reject) => {
    stream.once('readable', () => resolve());
    stream.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'it is a folder' : err.message;
      reject(new OperatorError(`cannot read ${path}: ${why}`));
    });
  });
  return stream;
}
