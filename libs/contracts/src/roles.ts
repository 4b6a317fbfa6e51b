export enum Role {
  Admin = 'admin',
  Viewer = 'viewer',
  Node = 'node',
}
