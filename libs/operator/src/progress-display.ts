import { formatProgressLine, ProgressFigures } from './progress-format';

export interface ProgressDisplayOptions {
  /** Default: stderr, so a command's data on stdout stays clean. */
  stream?: NodeJS.WriteStream;
  /** Default: the stream's own `isTTY`. */
  tty?: boolean;
  /** Least time between redraws on a terminal, ms (default 100). */
  redrawMs?: number;
  /** Time between plain lines when not a terminal, ms (default 2,000). */
  lineMs?: number;
}

/**
 * One progress line. On a terminal it is redrawn in place (`\r` and erase-line), at most every
 * `redrawMs`; elsewhere (a log, a pipe, CI) it prints a plain line every `lineMs`, so a log gets
 * a readable history instead of carriage returns. `finish()` prints the final figures once.
 */
export class ProgressDisplay {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly redrawMs: number;
  private readonly lineMs: number;
  private readonly started = Date.now();
  private last: ProgressFigures = { done: 0 };
  private lastDraw = 0;
  private drawn = false;
  private samples: { at: number; done: number }[] = [];

  constructor(
    private readonly label: string,
    options: ProgressDisplayOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? !!this.stream.isTTY;
    this.redrawMs = options.redrawMs ?? 100;
    this.lineMs = options.lineMs ?? 2_000;
  }

  get isTTY(): boolean {
    return this.tty;
  }

  /** New figures; drawn now or at the next redraw slot. */
  update(figures: ProgressFigures): void {
    const now = Date.now();
    this.samples.push({ at: now, done: figures.done });
    while (this.samples.length > 2 && now - this.samples[0].at > 5_000) this.samples.shift();
    this.last = this.complete(figures, now);
    if (now - this.lastDraw >= (this.tty ? this.redrawMs : this.lineMs)) this.draw(now);
  }

  /** Draws the final figures and ends the line. */
  finish(figures?: ProgressFigures, note?: string): void {
    const now = Date.now();
    if (figures) this.last = this.complete(figures, now, true);
    if (note) this.last = { ...this.last, note };
    this.draw(now);
    if (this.tty) this.stream.write('\n');
  }

  /** Prints a message on its own line without breaking the bar. */
  log(line: string): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.stream.write(`${line}\n`);
    if (this.tty && this.drawn) this.draw(Date.now());
  }

  private complete(f: ProgressFigures, now: number, final = false): ProgressFigures {
    let rate = f.rate;
    if (rate === undefined || rate === null) {
      if (final) rate = (f.done * 1000) / Math.max(1, now - this.started);
      else {
        const first = this.samples[0];
        const span = now - first.at;
        rate = span >= 200 ? ((f.done - first.done) * 1000) / span : this.last.rate ?? null;
      }
    }
    let eta = f.eta;
    if ((eta === undefined || eta === null) && f.total !== undefined && f.total !== null && rate && rate > 0) {
      eta = Math.max(0, f.total - f.done) / rate;
    }
    return { ...f, rate, eta };
  }

  private draw(now: number): void {
    this.lastDraw = now;
    this.drawn = true;
    const width = this.tty ? this.stream.columns || 80 : 200;
    const line = formatProgressLine(this.label, this.last, width, this.tty);
    this.stream.write(this.tty ? `\r\x1b[2K${line}` : `${line}\n`);
  }
}
