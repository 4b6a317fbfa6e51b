import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { NODE_ID_PATTERN } from '@gridcore/contracts';

@Injectable()
export class GatewayNodeIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!NODE_ID_PATTERN.test(value)) throw new BadRequestException('node id must match [A-Za-z0-9._-]{1,64}');
    return value;
  }
}
