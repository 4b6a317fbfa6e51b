import { createInterface } from 'node:readline/promises';
import { OperatorError } from '@gridcore/operator';

/**
 * `task add --fresh` deletes results: on a terminal it asks y/N; `--yes` skips the question;
 * without a terminal and without `--yes` it refuses, since nobody could have agreed.
 */
export async function confirmFresh(task: string, o: { yes: boolean; inputQueue?: string; outputQueue?: string }): Promise<void> {
  if (o.yes) return;
  const what = `the output list${o.outputQueue ? ` ${o.outputQueue}` : ''} and the protocol keys (retry, dead, stats, batches) of ${o.inputQueue ?? 'the input queue'}`;
  if (!process.stdin.isTTY) {
    throw new OperatorError(`--fresh deletes ${what} of task ${task}: confirm on a terminal or pass --yes`, 2);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`--fresh deletes ${what} of task ${task} before registering it (the input list stays). Continue? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new OperatorError('nothing deleted, nothing registered', 1);
  } finally {
    rl.close();
  }
}
