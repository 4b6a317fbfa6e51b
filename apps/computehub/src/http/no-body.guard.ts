import { BadRequestException, CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Request } from 'express';

/**
 * Global guard: a route whose handler declares no `@Body()` takes no body (SPEC §2.1). None, or
 * `{}`, is accepted (curl scripts send either); anything else is refused rather than silently
 * ignored. Deciding from the handler's own parameters means a new route cannot forget it.
 */
@Injectable()
export class NoBodyGuard implements CanActivate {
  private readonly takesBody = new WeakMap<object, boolean>();

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || this.handlerTakesBody(context)) return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (!carriesBody(request)) return true;
    throw new BadRequestException(`${request.method} ${request.path} takes no body (send none, or {})`);
  }

  private handlerTakesBody(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let known = this.takesBody.get(handler);
    if (known === undefined) {
      const params: Record<string, unknown> = Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {};
      known = Object.keys(params).some((key) => key.split(':')[0] === String(RouteParamtypes.BODY));
      this.takesBody.set(handler, known);
    }
    return known;
  }
}

function carriesBody(request: Request): boolean {
  const body: unknown = request.body;
  if (body === undefined) {
    // A body of a type no parser read (text/plain, ...) still counts as a body.
    return Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  }
  const isEmptyObject = typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0;
  return !isEmptyObject;
}
