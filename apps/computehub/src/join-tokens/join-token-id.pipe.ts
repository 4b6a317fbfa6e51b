import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { NODE_ID_PATTERN } from '@gridcore/contracts';

@Injectable()
export class JoinTokenIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    // Any id of the node-id alphabet may be asked for (an unknown one is a 404); others are no id at all.
    if (!NODE_ID_PATTERN.test(value)) throw new BadRequestException('join token id must match [A-Za-z0-9._-]{1,64} (16 hex digits, or cfg- and 12)');
    return value;
  }
}
