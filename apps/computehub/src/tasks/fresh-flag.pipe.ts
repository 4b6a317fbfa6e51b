import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

const FLAGS: Record<string, boolean> = { '1': true, true: true, '0': false, false: false };

/** The `?fresh=` flag of a task read: absent means false; anything but 1/0/true/false is a 400. */
@Injectable()
export class FreshFlagPipe implements PipeTransform<unknown, boolean> {
  transform(value: unknown): boolean {
    if (value === undefined) return false;
    if (typeof value === 'string' && value in FLAGS) return FLAGS[value];
    throw new BadRequestException('fresh must be 1, 0, true or false (given once)');
  }
}
