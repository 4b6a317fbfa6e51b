import Redis from 'ioredis';
import { loadScripts } from '@gridcore/queue';
import { setUser } from '../../apps/computehub/src/redis-users/ioredis-acl';
import { aclRules, newPassword, scopedUserCommands, taskKeyScopes } from '../../apps/computehub/src/queues/scoped-user-spec';

export interface ScopedUser {
  user: string;
  password: string;
  /** `url` (no credentials in it) with this user's. */
  urlFor(url: string): string;
}

/**
 * A Redis ACL user scoped to one queue pair, exactly as the hub makes one for a volunteer node
 * (same rules; `select` for a task whose URLs name a db other than 0), with the protocol's scripts loaded by `admin` as the hub loads them.
 */
export async function createScopedUser(admin: Redis, name: string, inputQueue: string, outputQueue: string | null, options: { select?: boolean } = {}): Promise<ScopedUser> {
  const { password, sha256 } = newPassword();
  const scope = taskKeyScopes(inputQueue, outputQueue, true).input;
  await setUser(admin, name, aclRules(scope, sha256, scopedUserCommands(options)));
  for (const script of loadScripts().values()) await admin.script('LOAD', script.source);
  return {
    user: name,
    password,
    urlFor: (url: string) => {
      const u = new URL(url);
      u.username = encodeURIComponent(name);
      u.password = encodeURIComponent(password);
      return u.toString();
    },
  };
}
