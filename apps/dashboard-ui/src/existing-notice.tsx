import type { TaskRecordDto } from '@gridcore/contracts';
import { existingText } from './existing-text';

export function ExistingNotice(props: { task: TaskRecordDto }) {
  const text = existingText(props.task);
  return text ? <p class="notice notice-warn" data-testid="existing-notice">{text}</p> : null;
}
