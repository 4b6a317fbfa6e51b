import { LoggerService } from '@nestjs/common';

export interface LogLine {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  message: string;
  /** Everything else the call carried: a stack, the context. */
  extra: unknown[];
}

/** A Nest logger that keeps every line, so a test can say what was logged and at which level. */
export class RecordingLogger implements LoggerService {
  readonly lines: LogLine[] = [];

  log(message: unknown, ...extra: unknown[]): void {
    this.record('log', message, extra);
  }
  error(message: unknown, ...extra: unknown[]): void {
    this.record('error', message, extra);
  }
  warn(message: unknown, ...extra: unknown[]): void {
    this.record('warn', message, extra);
  }
  debug(message: unknown, ...extra: unknown[]): void {
    this.record('debug', message, extra);
  }
  verbose(message: unknown, ...extra: unknown[]): void {
    this.record('verbose', message, extra);
  }
  fatal(message: unknown, ...extra: unknown[]): void {
    this.record('fatal', message, extra);
  }

  at(level: LogLine['level']): LogLine[] {
    return this.lines.filter((line) => line.level === level);
  }

  clear(): void {
    this.lines.length = 0;
  }

  private record(level: LogLine['level'], message: unknown, extra: unknown[]): void {
    this.lines.push({ level, message: message instanceof Error ? message.stack ?? message.message : String(message), extra });
  }
}
