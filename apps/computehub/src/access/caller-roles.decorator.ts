import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Role } from '@gridcore/contracts';

/** Where the guard leaves the roles of the token it accepted, for handlers that need them. */
export const CALLER_ROLES = Symbol('gridcore.callerRoles');

export type RequestWithRoles = Request & { [CALLER_ROLES]?: ReadonlySet<Role> };

/** The roles of the calling token (empty on an open route). */
export const CallerRoles = createParamDecorator(
  (_: unknown, context: ExecutionContext): ReadonlySet<Role> =>
    context.switchToHttp().getRequest<RequestWithRoles>()[CALLER_ROLES] ?? new Set<Role>(),
);
