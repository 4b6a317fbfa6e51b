import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { parseRedisUrl } from '@gridcore/queue';
import { EventBus } from '../events/event-bus';
import { NodesService } from '../nodes/nodes.service';
import { RedisServers } from '../queues/redis-servers';
import type { TaskRecord } from '../tasks/task-record';
import { publicTask } from '../tasks/task-views';
import { TasksService } from '../tasks/tasks.service';
import { serverScopesOf } from '../queues/key-scope-overlap';
import { AclChange, AclUser, RedisAcl, RedisAclFailure } from './redis-acl';
import { aclRules, KeyScope, newPassword, SCOPED_USER_PREFIX, scopedUserCommands, scopedUserName, urlWithUser } from '../queues/scoped-user-spec';
import { ScopedUsersBoard } from './scoped-users-board';

/** A scoped user the hub handed out: one task run, one node. */
interface HeldUser {
  name: string;
  runId: string;
  taskName: string;
  nodeId: string;
  /** Every password hash it accepts (a hub restart adds one; older ones stay for running containers). */
  hashes: string[];
  /** The plaintext of the newest, while this hub process knows it. */
  password: string | null;
  /** The operator's URL of each server it is set on, with its keys there. */
  grants: Grant[];
}

/** One server's part of a task's users: the operator's URL, the keys, and whether SELECT is needed (a db other than 0). */
interface Grant {
  url: string;
  scope: KeyScope;
  select: boolean;
}

export interface ScopedUrls {
  input: string;
  output: string;
}

/** Task needs scoped users: it has a queue the hub can see, was not registered `shared`, and volunteers reach it directly (not through the gateway). */
export function needsScopedUsers(task: TaskRecord): boolean {
  return !!task.input_redis && task.node_credentials !== 'shared' && task.data_plane !== 'gateway';
}

const PROBE_USER = `${SCOPED_USER_PREFIX}probe`;

/**
 * Redis ACL users scoped to one task, one per task run and node (issue 16.4). Users and the
 * protocol's scripts are set on every server of the task's Redis, replicas included, when a node
 * first asks and again every cleanup tick (Redis replicates neither), so a restart or failover
 * costs a worker one tick at most. A user goes once its node reports no container of its run
 * (not at the finish, so stopping containers can hand back), or the node is removed or revoked.
 * Changes are serialised, so a tick and a node's first request never race on one user.
 */
@Injectable()
export class RedisUsers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RedisUsers');
  private readonly users = new Map<string, HeldUser>();
  private queue: Promise<unknown> = Promise.resolve();
  private subscription?: Subscription;

  /** The plaintext passwords this hub handed to `nodeId`'s containers (masked in what they print). */
  passwordsOf(nodeId: string): string[] {
    const out: string[] = [];
    for (const user of this.users.values()) if (user.nodeId === nodeId && user.password) out.push(user.password);
    return out;
  }

  constructor(
    private readonly acl: RedisAcl,
    private readonly tasks: TasksService,
    private readonly nodes: NodesService,
    private readonly servers: RedisServers,
    private readonly board: ScopedUsersBoard,
    private readonly bus: EventBus,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.bus.events$.subscribe((event) => {
      const id = (event.data as { id?: string }).id;
      // A revoked node's users are dropped by the revocation itself, before its hand-back.
      if (event.type === 'node.removed' && id) void this.dropForNode(id).catch(() => undefined);
      if (event.type === 'task.started' && id) {
        const task = this.tasks.view().state.tasks.find((t) => t.id === id);
        if (task && needsScopedUsers(task)) void this.serial(() => this.prepare(task)).catch(() => undefined);
      }
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /** The held users' names (tests, and what the dashboard may show). */
  heldUsers(): { name: string; task: string; node: string }[] {
    return [...this.users.values()].map((u) => ({ name: u.name, task: u.taskName, node: u.nodeId }));
  }

  /**
   * The URLs a volunteer node of `task` gets: its own user on the task's Redis. Null when the
   * hub cannot create it (the task's record then says why).
   */
  credentialsFor(task: TaskRecord, nodeId: string): Promise<ScopedUrls | null> {
    this.board.markVolunteer(nodeId);
    return this.serial(async () => {
      const name = scopedUserName(task.id, nodeId);
      let user = this.users.get(name);
      if (user?.password) return this.urlsOf(task, user);
      const grants = this.grantsOf(task);
      if (!grants) {
        await this.noteState(task, `task ${task.name} has input_redis but no input_queue: the hub cannot scope a Redis user to it (register it with node_credentials "shared" to hand out the URL)`);
        return null;
      }
      const { password, sha256 } = newPassword();
      const candidate: HeldUser = user
        ? { ...user, password, hashes: [...user.hashes, sha256] }
        : { name, runId: task.id, taskName: task.name, nodeId, password, hashes: [sha256], grants };
      try {
        for (const grant of candidate.grants) await this.everywhere(grant.url, { loadScripts: true, setUsers: [this.aclUser(candidate, grant)] });
      } catch (err) {
        if (!(err instanceof RedisAclFailure)) throw err;
        await this.noteState(task, err.message);
        return null;
      }
      user = candidate;
      this.users.set(name, user);
      await this.noteState(task, null);
      return this.urlsOf(task, user);
    });
  }

  /** Deletes every user of `nodeId` (node removed or revoked). */
  dropForNode(nodeId: string): Promise<void> {
    this.board.forgetNode(nodeId);
    return this.serial(() => this.drop([...this.users.values()].filter((u) => u.nodeId === nodeId)));
  }

  /**
   * One cleanup tick: the running task's scripts and users set again on every server (a restart
   * or failover lost them), users adopted after a hub restart, users whose node reports no
   * container of their run deleted.
   */
  tick(): Promise<void> {
    return this.serial(async () => {
      const current = this.tasks.current();
      await this.adoptLeftovers();
      const records = new Map(this.tasks.view().state.tasks.map((t) => [t.id, t]));
      const done = [...this.users.values()].filter((u) => this.isDone(u, current?.id ?? null, records));
      await this.drop(done);
      if (current && needsScopedUsers(current)) await this.prepare(current);
      await this.reapply([...this.users.values()].filter((u) => u.runId !== current?.id));
    });
  }

  private isDone(user: HeldUser, currentId: string | null, records: Map<string, TaskRecord>): boolean {
    const node = this.nodes.find(user.nodeId);
    if (!node) return true;
    if (!records.has(user.runId)) return true;
    if (user.runId === currentId) return false;
    return node.online && (node.task_name !== user.taskName || node.active_containers === 0);
  }

  /** Scripts loaded and users set on every server of the running task; notes whether it could. */
  private async prepare(task: TaskRecord): Promise<void> {
    const grants = this.grantsOf(task);
    if (!grants) return;
    const held = [...this.users.values()].filter((u) => u.runId === task.id);
    try {
      for (const grant of grants) {
        // The probe user (disabled, no rights) shows the hub may manage users even before any node asks.
        const setUsers = [{ name: PROBE_USER, rules: ['off', 'resetkeys', '-@all'] }, ...held.map((u) => this.aclUser(u, u.grants.find((g) => g.url === grant.url) ?? grant))];
        await this.everywhere(grant.url, { loadScripts: true, setUsers, deleteUsers: [PROBE_USER] });
      }
      await this.noteState(task, null);
    } catch (err) {
      if (!(err instanceof RedisAclFailure)) throw err;
      this.logger.warn(`task ${task.name}: ${err.message}`);
      await this.noteState(task, err.message);
    }
  }

  /** Users of runs that ended but whose containers may still hand back: kept on every server. */
  private async reapply(users: HeldUser[]): Promise<void> {
    for (const user of users) {
      for (const grant of user.grants) {
        try {
          await this.everywhere(grant.url, { setUsers: [this.aclUser(user, grant)] });
        } catch (err) {
          if (!(err instanceof RedisAclFailure)) throw err;
          this.logger.warn(`could not set Redis user ${user.name} again: ${err.message}`);
        }
      }
    }
  }

  private async drop(users: HeldUser[]): Promise<void> {
    for (const user of users) {
      let complete = true;
      for (const grant of user.grants) {
        try {
          await this.everywhere(grant.url, { deleteUsers: [user.name] }, true);
        } catch (err) {
          if (!(err instanceof RedisAclFailure)) throw err;
          complete = false;
          this.logger.warn(`could not delete Redis user ${user.name}: ${err.message}`);
        }
      }
      // An unreachable server keeps the user listed, so the next tick deletes it there.
      if (complete) this.users.delete(user.name);
    }
  }

  /**
   * After a hub restart the users it handed out are still in Redis, unknown to it: those of a
   * task run it holds are adopted (their password hashes read back, so running containers keep
   * working); those of a run it does not hold are deleted.
   */
  private async adoptLeftovers(): Promise<void> {
    const records = this.tasks.view().state.tasks.filter((t) => t.input_redis && needsScopedUsers(t));
    const urls = new Set(records.flatMap((t) => (this.grantsOf(t) ?? []).map((g) => g.url)));
    for (const url of urls) {
      let found: { name: string; hashes: string[] }[];
      try {
        found = await this.acl.usersWithPrefix(url, SCOPED_USER_PREFIX);
      } catch {
        continue;
      }
      for (const { name, hashes } of found) {
        if (name === PROBE_USER || this.users.has(name)) continue;
        const task = records.find((t) => name.startsWith(`${SCOPED_USER_PREFIX}${t.id}-`));
        const grants = task && this.grantsOf(task);
        if (!task || !grants || !grants.some((g) => g.url === url) || hashes.length === 0) continue;
        const nodeId = name.slice(`${SCOPED_USER_PREFIX}${task.id}-`.length);
        this.users.set(name, { name, runId: task.id, taskName: task.name, nodeId, hashes, password: null, grants });
      }
    }
  }

  /**
   * Applies a change on the server `url` names and on every replica. Only the named server's
   * failure counts (the task's workers talk to it); a replica that does not answer is logged and
   * tried again next tick, unless `strict` (a deletion must reach every server, or stay pending).
   */
  private async everywhere(url: string, change: AclChange, strict = false): Promise<void> {
    const [primary, ...others] = await this.acl.serversOf(url);
    await this.acl.apply(primary, change);
    for (const server of others) {
      try {
        await this.acl.apply(server, change);
      } catch (err) {
        if (strict || !(err instanceof RedisAclFailure)) throw err;
        this.logger.warn(`replica: ${err.message}; tried again next tick`);
      }
    }
  }

  private grantsOf(task: TaskRecord): Grant[] | null {
    const scopes = serverScopesOf(task, (url) => this.servers.identify(url));
    if (scopes.length === 0) return null;
    const outputUrl = task.output_redis ?? task.input_redis!;
    const onDb = (url: string) => parseRedisUrl(url).db !== 0;
    if (scopes.length === 1) return [{ url: task.input_redis!, scope: scopes[0].scope, select: onDb(task.input_redis!) || onDb(outputUrl) }];
    return [
      { url: task.input_redis!, scope: scopes[0].scope, select: onDb(task.input_redis!) },
      { url: outputUrl, scope: scopes[1].scope, select: onDb(outputUrl) },
    ];
  }

  private aclUser(user: HeldUser, grant: Grant): AclUser {
    const [first, ...more] = user.hashes;
    const { scope, select } = grant;
    return { name: user.name, rules: [...aclRules(scope, first, scopedUserCommands({ select })), ...more.map((h) => `#${h}`)] };
  }

  private urlsOf(task: TaskRecord, user: HeldUser): ScopedUrls {
    const input = urlWithUser(task.input_redis!, user.name, user.password!);
    const output = urlWithUser(task.output_redis ?? task.input_redis!, user.name, user.password!);
    return { input, output };
  }

  /** Records on the task whether users can be created, and announces a change. */
  private async noteState(task: TaskRecord, detail: string | null): Promise<void> {
    const previous = this.tasks.view().state.tasks.find((t) => t.id === task.id)?.scoped_users ?? null;
    const state = detail === null ? 'ready' : 'unavailable';
    this.board.setBlocked(task.id, detail);
    if (previous && previous.state === state && previous.detail === detail) return;
    const scoped_users = { state, detail, at: new Date().toISOString() } as const;
    await this.tasks.annotate(task.id, { scoped_users }).catch((err: Error) => this.logger.warn(`could not note the Redis users of ${task.name}: ${err.message}`));
    const record = this.tasks.view().state.tasks.find((t) => t.id === task.id);
    if (record) this.bus.publish('task.node_credentials', publicTask(record));
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
