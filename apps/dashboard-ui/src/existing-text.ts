import type { TaskRecordDto } from '@gridcore/contracts';
import { formatCount } from './format';

/** The sentence under a task whose lists were not empty at registration (a reused name or queue), or null. */
export function existingText(t: Pick<TaskRecordDto, 'existing' | 'cleared' | 'name'>): string | null {
  const parts: string[] = [];
  if (t.cleared) parts.push(`fresh start: ${formatCount(t.cleared.output)} old results and ${formatCount(t.cleared.protocol_keys)} protocol keys deleted`);
  const e = t.existing;
  if (e?.input) parts.push(`${formatCount(e.input)} items were already in the input list`);
  if (e?.output) parts.push(`${formatCount(e.output)} results were already in the output list, and its results include them`);
  if (e?.previous_runs) parts.push(`${e.previous_runs} earlier run${e.previous_runs === 1 ? '' : 's'} of ${t.name}`);
  return parts.length ? `At registration: ${parts.join('; ')}.` : null;
}
