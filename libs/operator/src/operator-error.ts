/**
 * An error meant for a person at a terminal: `message` is one line naming what to check, and
 * the CLI prints it as is (no stack) and exits with `exitCode`.
 */
export class OperatorError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'OperatorError';
  }
}
