import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { TASK_NAME_PATTERN } from '@gridcore/contracts';

@Injectable()
export class TaskNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!TASK_NAME_PATTERN.test(value)) throw new BadRequestException('task name must match [a-zA-Z0-9._-]{1,64}');
    return value;
  }
}
