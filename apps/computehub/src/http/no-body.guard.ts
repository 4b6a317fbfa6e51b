import { BadRequestException, CanActivate, ExecutionContext, Injectable, UseGuards, applyDecorators } from '@nestjs/common';
import type { Request } from 'express';

/**
 * For routes that take no body: none, or `{}`, is accepted (curl scripts send either); anything
 * else is refused rather than silently ignored.
 */
@Injectable()
export class NoBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const body: unknown = request.body;
    const isEmptyObject =
      typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0;
    if (body === undefined || isEmptyObject) {
      const length = Number(request.headers['content-length'] ?? 0);
      // A body of a type no parser read (text/plain, ...) still counts as a body.
      if (body === undefined && (length > 0 || request.headers['transfer-encoding'])) {
        throw new BadRequestException('this route takes no body (send none, or {})');
      }
      return true;
    }
    throw new BadRequestException('this route takes no body (send none, or {})');
  }
}

export const NoBody = (): MethodDecorator => applyDecorators(UseGuards(NoBodyGuard));
