/** Who a connection authenticated as: a container of one node's instance, or the node itself. */
export type Identity = { kind: 'container'; nodeId: string; instance: string } | { kind: 'node'; nodeId: string };

export function describeIdentity(id: Identity): string {
  return id.kind === 'container' ? `${id.nodeId}.${id.instance}` : id.nodeId;
}
