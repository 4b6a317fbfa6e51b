import { Injectable } from '@nestjs/common';
import { STATE_KEY_PREFIX, StateRedis } from '../persistence/state-redis.provider';
import { redisStateTarget } from '../persistence/state-target';
import { StateWriteHealth } from '../persistence/state-write-health';
import { CredentialChange, CredentialState } from './credential-records';

import { CredentialStore } from './credential-store';

/** Hashes, a field per record: join token id, credential token id, revoked node id → JSON. */
export const CREDENTIAL_KEYS = {
  joinTokens: `${STATE_KEY_PREFIX}join-tokens`,
  credentials: `${STATE_KEY_PREFIX}node-credentials`,
  revokedNodes: `${STATE_KEY_PREFIX}revoked-nodes`,
} as const;

/** Credentials in three Redis hashes, so a change writes one field and every replica can read it. */
@Injectable()
export class RedisCredentialStore extends CredentialStore {
  private readonly target = redisStateTarget(() => this.redis.client, CREDENTIAL_KEYS.credentials);

  constructor(
    private readonly redis: StateRedis,
    private readonly writes: StateWriteHealth,
  ) {
    super();
  }

  async load(): Promise<CredentialState> {
    const client = await this.redis.connected();
    const read = async <T>(key: string): Promise<T[]> => {
      const values: T[] = [];
      let cursor = '0';
      do {
        const [next, flat] = await client.hscan(key, cursor, 'COUNT', 1_000);
        cursor = next;
        for (let i = 1; i < flat.length; i += 2) {
          try {
            values.push(JSON.parse(flat[i]) as T);
          } catch {
            // A field that is not JSON is no credential: left out, as a torn log line is.
          }
        }
      } while (cursor !== '0');
      return values;
    };
    return {
      joinTokens: await read(CREDENTIAL_KEYS.joinTokens),
      credentials: await read(CREDENTIAL_KEYS.credentials),
      revokedNodes: await read(CREDENTIAL_KEYS.revokedNodes),
    };
  }

  async write(changes: readonly CredentialChange[]): Promise<void> {
    if (changes.length === 0) return;
    const multi = this.redis.client.multi();
    for (const change of changes) {
      if ('join_token' in change) multi.hset(CREDENTIAL_KEYS.joinTokens, change.join_token.id, JSON.stringify(change.join_token));
      else if ('credential' in change) multi.hset(CREDENTIAL_KEYS.credentials, change.credential.token_id, JSON.stringify(change.credential));
      else if ('drop_credential' in change) multi.hdel(CREDENTIAL_KEYS.credentials, change.drop_credential);
      else multi.hset(CREDENTIAL_KEYS.revokedNodes, change.revoked_node.node_id, JSON.stringify(change.revoked_node));
    }
    await this.writes.track(
      this.target,
      multi.exec().then((results) => {
        const failed = results?.find(([err]) => err)?.[0];
        if (!results || failed) throw failed ?? new Error('state Redis discarded the credential transaction');
      }),
    );
  }
}
