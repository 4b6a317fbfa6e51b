import { Injectable, PipeTransform } from '@nestjs/common';
import { TASK_NAME_PATTERN } from '@gridcore/contracts';
import { InvalidRequestError } from '../errors/invalid-request.error';

/** An optional `?task=` filter: absent is fine, anything else must be a task name (once). */
@Injectable()
export class OptionalTaskNamePipe implements PipeTransform<unknown, string | undefined> {
  transform(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !TASK_NAME_PATTERN.test(value)) {
      throw new InvalidRequestError('task must be one task name matching [a-zA-Z0-9._-]{1,64}');
    }
    return value;
  }
}
