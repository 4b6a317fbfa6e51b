import { Role } from '@gridcore/contracts';
import { CALLER_ROLES, RequestWithRoles } from '../auth/caller-roles.decorator';

/**
 * `trusted-lab`: a machine the operator owns, using the legacy shared token: it gets the task's
 * Redis URLs as registered, as the original did. `volunteer`: anyone else; it never gets the
 * operator's Redis password.
 */
export type NodeCallerKind = 'trusted-lab' | 'volunteer';

export interface NodeCaller {
  kind: NodeCallerKind;
  /** The node the caller acts for, when known (its credential, or the id it names). */
  nodeId?: string;
}

/** Tells which kind of node a request comes from (node credentials plug in here). */
export abstract class CallerKinds {
  abstract kindOf(request: RequestWithRoles): NodeCallerKind;
}

/** The legacy token is the only one that is admin and node at once; every other node caller is a volunteer. */
export class LegacyTokenCallerKinds extends CallerKinds {
  kindOf(request: RequestWithRoles): NodeCallerKind {
    const roles = request[CALLER_ROLES];
    return roles?.has(Role.Admin) && roles.has(Role.Node) ? 'trusted-lab' : 'volunteer';
  }
}
