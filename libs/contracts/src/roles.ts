export enum Role {
  Admin = 'admin',
  Viewer = 'viewer',
  Node = 'node',
  /** A standalone data gateway (apps/gateway): reads node digests and gateway routes, nothing else. */
  Gateway = 'gateway',
}
