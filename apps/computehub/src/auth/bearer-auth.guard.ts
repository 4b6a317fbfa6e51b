import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Role } from '@gridcore/contracts';
import { HubConfig } from '../config/hub-config';
import { Access, ACCESS_KEY } from './access.decorator';
import { CALLER_ROLES, RequestWithRoles } from './caller-roles.decorator';
import { TokenRegistry } from './token-registry';

/**
 * Global guard: every route wants `Authorization: Bearer <token>` unless marked open. 401 for a
 * missing or unknown token, 403 for a known token of the wrong role.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenRegistry,
    private readonly config: HubConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_KEY, [context.getHandler(), context.getClass()]);
    if (access && 'open' in access) return true;
    if (access && 'metrics' in access && this.config.values.metrics_public) return true;
    const request = context.switchToHttp().getRequest<RequestWithRoles>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new UnauthorizedException('missing bearer token (Authorization: Bearer <token>)');
    const roles = this.tokens.rolesOf(match[1]);
    if (!roles) throw new UnauthorizedException('unknown token');
    // A route without a marker wants admin: forgetting one can never open a route.
    const needed = !access ? Role.Admin : 'role' in access ? access.role : Role.Viewer;
    if (!roles.has(needed)) throw new ForbiddenException(`this token lacks the ${needed} role`);
    request[CALLER_ROLES] = roles;
    return true;
  }
}
