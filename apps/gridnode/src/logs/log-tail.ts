/**
 * The last `maxBytes` of a byte stream: whole chunks are kept and the oldest dropped (the first
 * kept one cut) once the total is over, so appending costs no copy of what is kept.
 */
export class LogTail {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Older output was dropped. */
  truncated = false;

  constructor(private readonly maxBytes: number) {}

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (chunk.length >= this.maxBytes) {
      this.chunks = [Buffer.from(chunk.subarray(chunk.length - this.maxBytes))];
      this.size = this.maxBytes;
      this.truncated = true;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.maxBytes) {
      const first = this.chunks[0];
      const over = this.size - this.maxBytes;
      this.truncated = true;
      if (first.length <= over) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(over);
        this.size -= over;
      }
    }
  }

  /** The kept text; a cut at the front drops the partial line (and a split UTF-8 character) it left. */
  text(): string {
    const text = Buffer.concat(this.chunks, this.size).toString('utf8');
    if (!this.truncated) return text;
    const newline = text.indexOf('\n');
    return newline >= 0 ? text.slice(newline + 1) : text;
  }
}

/** The last `lines` lines of a text (a final line without newline counts as one). */
export function lastLines(text: string, lines: number): string {
  if (lines <= 0) return '';
  let at = text.endsWith('\n') ? text.length - 1 : text.length;
  for (let n = 0; n < lines; n++) {
    if (at <= 0) return text;
    at = text.lastIndexOf('\n', at - 1);
    if (at < 0) return text;
  }
  return text.slice(at + 1);
}
