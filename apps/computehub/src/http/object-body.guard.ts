import { BadRequestException, CanActivate, ExecutionContext, Injectable, UseGuards, applyDecorators } from '@nestjs/common';
import type { Request } from 'express';

/**
 * For routes whose body is optional and, when sent, a JSON object (validated by its DTO): a body
 * no parser read (text/plain, ...) or a JSON array would otherwise reach the DTO as "no body"
 * and the route would act as if none had been sent.
 */
@Injectable()
export class ObjectBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const body: unknown = request.body;
    if (body === undefined) {
      const length = Number(request.headers['content-length'] ?? 0);
      if (length > 0 || request.headers['transfer-encoding']) {
        throw new BadRequestException('this route takes no body or a JSON object (Content-Type: application/json)');
      }
      return true;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadRequestException('this route takes no body or a JSON object');
    }
    return true;
  }
}

export const OptionalObjectBody = (): MethodDecorator => applyDecorators(UseGuards(ObjectBodyGuard));
