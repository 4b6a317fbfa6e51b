import { InvalidArgumentError } from 'commander';

/** `K=V` options collected into a map (`--env A=1 --env B=2`). */
export function pair(what: string) {
  return (value: string, previous: Record<string, string> = {}): Record<string, string> => {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`${what} must look like KEY=VALUE`);
    return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
  };
}

export function number(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('not a number');
  return n;
}

export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('not an integer');
  return n;
}
