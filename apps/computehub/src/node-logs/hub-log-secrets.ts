import { Injectable } from '@nestjs/common';
import { HubConfig } from '../config/hub-config';
import { RedisUsers } from '../redis-users/redis-users.service';
import { TasksService } from '../tasks/tasks.service';
import { LogSecrets } from './log-secrets.port';

function passwordOf(url: string | null | undefined): string[] {
  if (!url) return [];
  try {
    const parsed = new URL(url);
    const found = [decodeURIComponent(parsed.password)];
    for (const [key, value] of parsed.searchParams) if (/^(password|pass|auth|requirepass)$/i.test(key)) found.push(value);
    return found.filter((p) => p.length > 0);
  } catch {
    return [];
  }
}

/**
 * The secrets by value: the hub's configured tokens, the Redis passwords of the tasks it holds
 * (pending and running: what nodes may have been handed), and the scoped users' passwords it gave
 * this node.
 */
@Injectable()
export class HubLogSecrets extends LogSecrets {
  constructor(
    private readonly config: HubConfig,
    private readonly tasks: TasksService,
    private readonly users: RedisUsers,
  ) {
    super();
  }

  literalsFor(nodeId: string): string[] {
    const v = this.config.values;
    const tokens = [v.token, ...v.admin_tokens, ...v.viewer_tokens, ...v.node_tokens].filter((t): t is string => !!t);
    const redis = this.tasks.view().state.tasks.filter((t) => t.status !== 'completed').flatMap((t) => [...passwordOf(t.input_redis), ...passwordOf(t.output_redis)]);
    // Longest first: a secret that contains another is masked whole.
    return [...new Set([...tokens, ...redis, ...this.users.passwordsOf(nodeId)])].sort((a, b) => b.length - a.length);
  }
}
