import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { OperatorError } from './operator-error';

/** The PEM text of a CA file (`--ca-file`, a profile's `ca_file`), or one line saying what is wrong with it. */
export function readCaFile(path: string, what = '--ca-file'): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new OperatorError(`${what} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    new X509Certificate(text);
  } catch {
    throw new OperatorError(`${what} ${path} is not a PEM certificate`);
  }
  return text;
}
