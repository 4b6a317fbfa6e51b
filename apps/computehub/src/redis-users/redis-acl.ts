/** A user to set on a server: its name and ACL SETUSER rules. */
export interface AclUser {
  name: string;
  rules: string[];
}

/** What to do on one Redis server, in this order: load the scripts, set users, delete users. */
export interface AclChange {
  loadScripts?: boolean;
  setUsers?: AclUser[];
  deleteUsers?: string[];
}

/** Why a server refused or could not be asked: `no_permission` (NOPERM) or `unreachable`. */
export class RedisAclFailure extends Error {
  constructor(
    readonly kind: 'no_permission' | 'unreachable',
    message: string,
  ) {
    super(message);
    this.name = 'RedisAclFailure';
  }
}

/**
 * The hub's hands on the ACL of a task's Redis, with the operator's credentials from the task's
 * URL. Redis replicates neither ACL SETUSER nor SCRIPT LOAD, so every change goes to every server
 * that holds the data. Failures are {@link RedisAclFailure}s.
 */
export abstract class RedisAcl {
  /**
   * The URL of every server holding `url`'s data: the one it names first, then its replicas (those
   * seen before included) and its master if it names a replica.
   */
  abstract serversOf(url: string): Promise<string[]>;

  abstract apply(serverUrl: string, change: AclChange): Promise<void>;

  /** The users on a server whose names start with `prefix`, with the SHA-256 hashes of their passwords. */
  abstract usersWithPrefix(serverUrl: string, prefix: string): Promise<{ name: string; hashes: string[] }[]>;
}
