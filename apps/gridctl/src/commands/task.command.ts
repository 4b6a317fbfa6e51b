import { Command, Option } from 'commander';
import type { TaskOrderResultDto } from '@gridcore/contracts';
import type { TaskCreate, TaskRecord } from '@gridcore/operator';
import { formatCount, formatDuration, readCaFile } from '@gridcore/operator';
import { CliContext, printJson } from '../context';
import { confirmFresh } from './confirm';
import { table } from '../table';
import { integer, number, pair } from './parse';
import { firstVerdict, unrunnableWarning } from './runnability';

interface AddOptions {
  image?: string;
  imageFor?: Record<string, string>;
  inputRedis?: string;
  outputRedis?: string;
  inputQueue?: string;
  outputQueue?: string;
  redisTlsCa?: string;
  env?: Record<string, string>;
  cpus?: number;
  memoryMb?: number;
  gpus?: number;
  maxContainersPerNode?: number;
  writableRootfs?: boolean;
  nodeCredentials?: 'scoped' | 'shared';
  priority?: number;
  maxAttempts?: number;
  batchTimeoutS?: number;
  autoFinish?: boolean;
  autoFinishGraceS?: number;
  waitS?: number;
  fresh?: boolean;
  yes?: boolean;
  json?: boolean;
}

/** Long enough for a node to fail a pull (three quick attempts), short enough not to be a wait. */
const DEFAULT_VERDICT_WAIT_S = 8;

/** One line on what the lists already held (a reused name or queue), or null when they were empty. */
export function existingNote(t: TaskRecord): string | null {
  const e = t.existing;
  const parts: string[] = [];
  if (t.cleared) parts.push(`--fresh deleted ${formatCount(t.cleared.output)} output items and ${formatCount(t.cleared.protocol_keys)} protocol keys`);
  if (e?.input) parts.push(`the input list already holds ${formatCount(e.input)} items`);
  if (e?.output) parts.push(`the output list already holds ${formatCount(e.output)} results`);
  if (e?.previous_runs) parts.push(`${e.previous_runs} earlier run${e.previous_runs === 1 ? '' : 's'} of ${t.name}`);
  if (!parts.length) return null;
  const hint = e?.output && !t.cleared ? ` (\`gridctl results ${t.name}\` will include them; start clean with \`gridctl task add ${t.name} --fresh\`)` : '';
  return `note: ${parts.join('; ')}${hint}`;
}

function progressCell(t: TaskRecord): string {
  const p = t.progress;
  if (!p) return t.left ? `left ${formatCount(t.left.pending + t.left.in_flight)}` : '-';
  if (p.error) return `error: ${p.error}`;
  const total = p.done + p.pending + p.in_flight + p.dead;
  return `${formatCount(p.done)}/${formatCount(total)}${p.dead ? ` dead ${formatCount(p.dead)}` : ''}`;
}

/** How volunteer nodes reach the task's Redis, and why none gets the task when its users cannot be made. */
function nodeCredentialsCell(t: TaskRecord): string {
  const mode = t.node_credentials ?? 'scoped';
  if (mode === 'shared') return 'shared (volunteers get the Redis URLs as registered)';
  const users = t.scoped_users;
  if (users?.state === 'unavailable') return `scoped, UNAVAILABLE: ${users.detail ?? 'the hub cannot create Redis users'} (no volunteer node gets the task)`;
  return 'scoped (a Redis user per node)';
}

function describeTask(t: TaskRecord): string {
  const lines: [string, unknown][] = [
    ['name', t.name],
    ['status', t.status],
    ['run id', t.id],
    ['image', t.image ?? '-'],
    ...Object.entries(t.images ?? {}).map(([p, i]) => [`image ${p}`, i] as [string, unknown]),
    ['input', `${t.input_queue ?? '-'} on ${t.input_redis ?? '-'}`],
    ['output', `${t.output_queue ?? '-'} on ${t.output_redis ?? '-'}`],
    ['cpus / memory / gpus', `${t.cpus} / ${t.memory_mb ?? 'node default'} MB / ${t.gpus}`],
    ['max containers per node', t.max_containers_per_node ?? '-'],
    ['root filesystem', t.writable_rootfs ? 'writable (writable_rootfs)' : 'read-only, writable /tmp'],
    ['node credentials', nodeCredentialsCell(t)],
    ['priority', t.priority ?? 0],
    ['max attempts / batch timeout', `${t.max_attempts} / ${t.batch_timeout_s} s`],
    ['auto finish', t.auto_finish === null ? 'hub default' : `${t.auto_finish}${t.auto_finish_grace_s !== null ? ` (grace ${t.auto_finish_grace_s} s)` : ''}`],
    ['env', Object.entries(t.env ?? {}).map(([k, v]) => `${k}=${v}`).join(' ') || '-'],
    ['created / started / completed', `${t.created_at} / ${t.started_at ?? '-'} / ${t.completed_at ?? '-'}${t.completed_by ? ` (${t.completed_by})` : ''}`],
  ];
  if (t.data_loss) lines.push(['QUEUE DATA LOST', `${t.data_loss.reason} (seen ${t.data_loss.detected_at}); auto-finish waits for POST /api/tasks/${t.name}/acknowledge-data-loss`]);
  if (t.runnable) {
    lines.push(['nodes', t.runnable.summary]);
    for (const r of t.runnable.nodes_refusing) lines.push([`  ${r.hostname}`, `${r.reason}: ${r.detail}`]);
  }
  if (t.existing) lines.push(['at registration', `input ${formatCount(t.existing.input)}, output ${t.existing.output === null ? '-' : formatCount(t.existing.output)}, earlier runs ${t.existing.previous_runs}`]);
  if (t.cleared) lines.push(['fresh deleted', `${formatCount(t.cleared.output)} output items, ${formatCount(t.cleared.protocol_keys)} protocol keys`]);
  if (t.left) lines.push(['left at finish', `pending ${t.left.pending}, in flight ${t.left.in_flight}`]);
  const p = t.progress;
  if (p) {
    lines.push(['progress', `done ${formatCount(p.done)}, pending ${formatCount(p.pending)}, in flight ${formatCount(p.in_flight)}, dead ${formatCount(p.dead)}, requeued ${formatCount(p.requeued)}`]);
    lines.push(['rate / ETA', `${formatCount(p.items_per_s)} items/s / ${formatDuration(p.eta_s)} (sampled ${p.sampled_at})`]);
    if (p.error) lines.push(['progress error', p.error]);
  }
  const width = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${k.padEnd(width)}  ${String(v)}`).join('\n');
}

/** What a reorder left: the task's priority and the pending order, first to start first. */
function orderLine(answer: TaskOrderResultDto): string {
  return `${answer.name}: priority ${answer.priority}; pending order: ${answer.pending.join(', ') || '(none)'}`;
}

export function taskCommand(): Command {
  const task = new Command('task').description('register, list, show and remove tasks');

  task
    .command('add')
    .description('register a task (it starts at once when nothing runs)')
    .argument('<name>', 'task name, [a-zA-Z0-9._-]{1,64}')
    .option('--image <image>', 'container image (fallback for platforms without --image-for)')
    .option('--image-for <platform=image>', 'image for one platform, e.g. linux/arm64=me/sqrt:arm64 (repeatable)', pair('--image-for'))
    .option('--input-redis <url>', "input Redis URL (default: the cluster's redis_url with its password)")
    .option('--output-redis <url>', 'output Redis URL (default: the input Redis)')
    .option('--input-queue <name>', 'input list')
    .option('--output-queue <name>', 'output list')
    .option('--redis-tls-ca <file>', 'PEM file of the CA that signed a rediss:// Redis certificate (sent as redis_tls_ca; containers get REDIS_TLS_CA)')
    .option('--env <key=value>', 'extra container env (repeatable)', pair('--env'))
    .option('--cpus <n>', 'CPUs per container (fractions allowed; default 1)', number)
    .option('--memory-mb <n>', 'memory per container, MB', integer)
    .option('--gpus <n>', 'GPUs per container (default 0)', integer)
    .option('--max-containers-per-node <n>', 'cap on containers per node', integer)
    .option('--writable-rootfs', 'let containers write anywhere in their root filesystem (default: read-only with a writable tmpfs /tmp; the rest of the hardening stays)')
    .addOption(
      new Option('--node-credentials <mode>', "how volunteer nodes reach the task's Redis: scoped (a Redis user each, the default) or shared (the URLs as registered, password included)")
        .choices(['scoped', 'shared']),
    )
    .option('--priority <n>', 'higher starts first among pending tasks (default 0)', integer)
    .option('--max-attempts <n>', 'failed attempts before an item goes dead (default 3)', integer)
    .option('--batch-timeout-s <n>', 'longest a batch may be held, s (default 600)', integer)
    .addOption(new Option('--auto-finish', 'finish on its own once drained'))
    .addOption(new Option('--no-auto-finish', 'never auto-finish (overrides the hub default)'))
    .option('--auto-finish-grace-s <n>', 'quiet time before auto-finish, s', integer)
    .option('--wait-s <n>', `when it starts at once, wait up to n s for a node to run it or refuse it (a failed pull), and warn (default ${DEFAULT_VERDICT_WAIT_S}; 0: only what the hub knows at once)`, number)
    .option('--fresh', "first delete the output list and the queue's protocol keys (retry, dead, stats, ...) left by earlier runs; the input list stays")
    .option('-y, --yes', 'do not ask before --fresh deletes')
    .option('--json', 'print the record as JSON')
    .action(async (name: string, o: AddOptions, cmd: Command) => {
      const ctx = CliContext.fromCommand(cmd);
      if (o.fresh) await confirmFresh(name, { yes: !!o.yes, outputQueue: o.outputQueue, inputQueue: o.inputQueue });
      const inputRedis = o.inputRedis ?? ctx.defaultRedisUrl();
      const body: TaskCreate = {
        name,
        image: o.image,
        images: o.imageFor,
        input_redis: inputRedis,
        output_redis: o.outputRedis,
        input_queue: o.inputQueue,
        output_queue: o.outputQueue,
        redis_tls_ca: o.redisTlsCa ? readCaFile(o.redisTlsCa, '--redis-tls-ca') : undefined,
        env: o.env,
        cpus: o.cpus,
        memory_mb: o.memoryMb,
        gpus: o.gpus,
        max_containers_per_node: o.maxContainersPerNode,
        writable_rootfs: o.writableRootfs ? true : undefined,
        node_credentials: o.nodeCredentials,
        priority: o.priority,
        max_attempts: o.maxAttempts,
        batch_timeout_s: o.batchTimeoutS,
        auto_finish: o.autoFinish,
        auto_finish_grace_s: o.autoFinishGraceS,
        fresh: o.fresh ? true : undefined,
      };
      for (const key of Object.keys(body) as (keyof TaskCreate)[]) if (body[key] === undefined) delete body[key];
      const record = await ctx.hub.addTask(body);
      const warning = await firstVerdict(ctx.hub, record, o.waitS ?? DEFAULT_VERDICT_WAIT_S);
      if (warning) process.stderr.write(`${warning}\n`);
      if (o.json) return printJson(record);
      process.stdout.write(`registered ${record.name} (${record.status})\n`);
      const note = existingNote(record);
      if (note) process.stdout.write(`${note}\n`);
    });

  task
    .command('list')
    .description('the current, pending and completed tasks')
    .option('--json', 'print the hub answer as JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const list = await CliContext.fromCommand(cmd).hub.listTasks();
      if (o.json) return printJson(list);
      if (!list.tasks.length) return void process.stdout.write('no tasks\n');
      const rows = list.tasks.map((t) => [t.name, t.status, t.image ?? Object.values(t.images ?? {})[0] ?? '-', t.started_at ?? '-', progressCell(t)]);
      process.stdout.write(`${table(['NAME', 'STATUS', 'IMAGE', 'STARTED', 'PROGRESS'], rows)}\n`);
    });

  task
    .command('show')
    .description("one task's record and progress")
    .argument('<name>')
    .option('--json', 'print the record as JSON')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const record = await CliContext.fromCommand(cmd).hub.getTask(name);
      if (o.json) return printJson(record);
      process.stdout.write(`${describeTask(record)}\n`);
      const warning = unrunnableWarning(record);
      if (warning) process.stderr.write(`${warning}\n`);
    });

  task
    .command('priority')
    .description('set a task\'s priority: among pending tasks higher starts first, then registration order')
    .argument('<name>')
    .argument('<priority>', 'an integer (default of every task: 0)', integer)
    .option('--json', 'print the hub answer as JSON')
    .action(async (name: string, priority: number, o: { json?: boolean }, cmd: Command) => {
      const answer = await CliContext.fromCommand(cmd).hub.setPriority(name, priority);
      if (o.json) return printJson(answer);
      process.stdout.write(`${orderLine(answer)}\n`);
    });

  task
    .command('move')
    .description('place a pending task just before or after another pending one (it takes that task\'s priority)')
    .argument('<name>')
    .addOption(new Option('--before <other>', 'start it just before this pending task').conflicts('after'))
    .addOption(new Option('--after <other>', 'start it just after this pending task').conflicts('before'))
    .option('--json', 'print the hub answer as JSON')
    .action(async (name: string, o: { before?: string; after?: string; json?: boolean }, cmd: Command) => {
      if (o.before === undefined && o.after === undefined) cmd.error('error: give --before OTHER or --after OTHER');
      const target = o.before !== undefined ? { before: o.before } : { after: o.after };
      const answer = await CliContext.fromCommand(cmd).hub.moveTask(name, target);
      if (o.json) return printJson(answer);
      process.stdout.write(`${orderLine(answer)}\n`);
    });

  task
    .command('rm')
    .description('remove a pending task, or the records of a completed one (its Redis keys stay)')
    .argument('<name>')
    .option('--json', 'print the hub answer as JSON')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const answer = await CliContext.fromCommand(cmd).hub.removeTask(name);
      if (o.json) return printJson(answer);
      process.stdout.write(`removed ${name}\n`);
    });

  return task;
}
