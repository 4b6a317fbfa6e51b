import { Caller, isVolunteer } from '../access/caller';

/**
 * `trusted-lab`: a machine the operator owns, using the legacy shared token: it gets the task's
 * Redis URLs as registered, as the original did. `volunteer`: a join token or node credential;
 * it never gets the operator's Redis password.
 */
export type NodeCallerKind = 'trusted-lab' | 'volunteer';

export interface NodeCaller {
  kind: NodeCallerKind;
  /** The node the caller acts for, when known (its credential, or the id it names). */
  nodeId?: string;
}

export function nodeCaller(caller: Caller, nodeId: string | undefined): NodeCaller {
  return { kind: isVolunteer(caller) ? 'volunteer' : 'trusted-lab', nodeId };
}
