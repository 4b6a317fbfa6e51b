import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Role } from '@gridcore/contracts';

/**
 * What kind of secret the caller presented: the original's shared `token` (a trusted-lab node
 * or operator), an admin or viewer token, a volunteer's join token, or a node credential.
 */
export type CallerKind = 'legacy' | 'operator' | 'join' | 'node-credential';

export interface Caller {
  kind: CallerKind;
  roles: ReadonlySet<Role>;
  /** The node id a node credential is bound to (null for every other kind). */
  nodeId: string | null;
  /** The join token a join token or node credential stems from. */
  joinTokenId: string | null;
}

/** Where the guard leaves the caller it accepted. */
export const CALLER = Symbol('gridcore.caller');

export type RequestWithCaller = Request & { [CALLER]?: Caller };

const NOBODY: Caller = { kind: 'operator', roles: new Set<Role>(), nodeId: null, joinTokenId: null };

/** The caller of this request (a caller with no roles on an open route). */
export const CallerIdentity = createParamDecorator(
  (_: unknown, context: ExecutionContext): Caller => context.switchToHttp().getRequest<RequestWithCaller>()[CALLER] ?? NOBODY,
);

/** Whether the caller is a volunteer's node (join token or node credential), not the legacy token. */
export function isVolunteer(caller: Caller): boolean {
  return caller.kind === 'join' || caller.kind === 'node-credential';
}
