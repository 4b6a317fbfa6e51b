import { Command } from 'commander';
import type { TaskRecord } from '@gridcore/operator';
import { formatCount, HubEvent, processRunning, ProgressDisplay, sampledAtMs, sampleIsCurrent } from '@gridcore/operator';
import { CliContext } from '../context';
import { unrunnableWarning } from './runnability';
import { PushLog } from '../push-log';

type Progress = NonNullable<TaskRecord['progress']>;

/** Exit code when the task ended with items in its dead list. */
export const EXIT_DEAD = 3;
/** Exit code when the hub saw that the task's Redis lost its queue: its figures mean nothing now. */
export const EXIT_DATA_LOST = 4;
/** Exit code when the task had completed before the last push gridctl knows of: those items wait unprocessed. */
export const EXIT_PUSHED_AFTER_COMPLETION = 5;

function figures(p: Progress) {
  const total = p.done + p.pending + p.in_flight + p.dead;
  const note = [
    p.in_flight ? `in flight ${formatCount(p.in_flight)}` : '',
    p.dead ? `dead ${formatCount(p.dead)}` : '',
    // The hub could not sample the queue (its Redis unreachable, ...): say so instead of stale figures.
    p.error ? `hub cannot read the queue: ${p.error}` : '',
  ]
    .filter(Boolean)
    .join('  ');
  return { done: p.done, total, rate: p.items_per_s, eta: p.eta_s, note: note || undefined };
}

/** Nothing pending or in flight, and something happened (a task nobody pushed to is not done). */
function drained(p: Progress): boolean {
  return !p.error && p.pending === 0 && p.in_flight === 0 && p.done + p.dead > 0;
}

export function watchCommand(): Command {
  return new Command('watch')
    .description('follow a task: progress bar with done/total, rate and ETA; exits when it completes or drains')
    .argument('<task>')
    .option('--json', 'print each progress sample as one JSON line instead of a bar')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const ctx = CliContext.fromCommand(cmd);
      const pushes = new PushLog();
      // A fresh read: the hub samples the running task after this call, so its figures are newer
      // than this watch and than any push that ended before it (issue 15: a sample from before a
      // push once made watch print 100% and exit with items pending).
      let record = await ctx.hub.getTask(name, { fresh: true });
      const display = o.json ? null : new ProgressDisplay(`watch ${name}`);
      /** Redis time of the first sample taken after this watch started; nothing older is shown or trusted. */
      // A failed sample carries the hub's clock, not Redis's: it cannot mark the start. Every sample the
      // stream brings after the fresh read started after it anyway (the hub never overlaps samples).
      let notBeforeMs = record.status === 'running' && record.progress && !record.progress.error ? sampledAtMs(record.progress) : -Infinity;
      let last: Progress | null = null;
      /** Drained, on a sample newer than this watch's start and than the last push gridctl knows of. */
      const done = (p: Progress) => drained(p) && sampleIsCurrent(p, notBeforeMs, pushes.read(ctx.clusterName, name), processRunning);
      const show = (p: Progress) => {
        if (!p.error && sampledAtMs(p) < notBeforeMs) return;
        last = p;
        if (!display) return void process.stdout.write(`${JSON.stringify({ task: name, ...p })}\n`);
        // A sample taken before any item was pushed has nothing to draw a bar of.
        const empty = p.done + p.pending + p.in_flight + p.dead === 0 && !p.error;
        if (!empty) display.update(figures(p));
      };
      const end = (why: string): void => {
        const dead = last?.dead ?? 0;
        if (display) {
          if (last) display.finish(figures(last), why);
          else display.log(why);
          if (dead > 0) display.log(`${formatCount(dead)} items ended dead: see \`gridctl dead ${name}\`, retry with \`gridctl dead ${name} --requeue\``);
        } else {
          process.stdout.write(`${JSON.stringify({ task: name, end: why, dead })}\n`);
        }
        process.exitCode = dead > 0 ? EXIT_DEAD : 0;
      };

      // Empty lists after a loss are not "done": say so and stop, whatever the figures show.
      const lost = (r: TaskRecord): boolean => {
        if (!r.data_loss || r.status === 'completed') return false;
        display?.log(`the hub saw that the queue of ${name} was lost: ${r.data_loss.reason}`);
        if (!display) process.stdout.write(`${JSON.stringify({ task: name, end: 'data lost', data_loss: r.data_loss })}\n`);
        process.exitCode = EXIT_DATA_LOST;
        return true;
      };

      if (record.progress) show(record.progress);
      if (lost(record)) return;
      if (record.status === 'completed') {
        // Its final figures were read at completion (Redis time): a push that ended later went to a queue nobody works on.
        const push = pushes.read(ctx.clusterName, name);
        const lastPushMs = push && (push.finishedMs ?? push.startedMs);
        if (lastPushMs && record.progress && lastPushMs > sampledAtMs(record.progress)) {
          end('task completed');
          const note = `note: ${name} completed before your last push ended; those items wait in its input list until you register it again (gridctl task add ${name} ...)`;
          if (display) display.log(note);
          else process.stdout.write(`${JSON.stringify({ task: name, note })}\n`);
          process.exitCode = EXIT_PUSHED_AFTER_COMPLETION;
          return;
        }
        return end('task completed');
      }
      if (record.progress && done(record.progress)) return end('nothing pending or in flight');
      const unrunnable = unrunnableWarning(record);
      if (unrunnable) warn(unrunnable);

      const abort = new AbortController();
      let reconnects = 0;
      for (;;) {
        try {
          for await (const event of ctx.hub.events({ signal: abort.signal })) {
            reconnects = 0;
            if (event.type === 'task.data_lost' && (event.data as { data?: TaskRecord })?.data?.id === record.id) {
              abort.abort();
              lost((event.data as { data: TaskRecord }).data);
              return;
            }
            const outcome = await handle(event);
            if (outcome) {
              abort.abort();
              return end(outcome);
            }
          }
        } catch (err) {
          if (++reconnects > 5) throw err;
        }
        // The stream ended (hub restart): catch up from the record, then follow again.
        await new Promise((r) => setTimeout(r, 1_000));
        record = await ctx.hub.getTask(name, { fresh: true });
        if (record.progress) show(record.progress);
        if (lost(record)) return;
        if (record.status === 'completed') return end('task completed');
        if (record.progress && done(record.progress)) return end('nothing pending or in flight');
      }

      /** A line above the bar (or a JSON line), so the operator sees why nothing moves. */
      function warn(line: string): void {
        if (display) display.log(line);
        else process.stdout.write(`${JSON.stringify({ task: name, warning: line })}\n`);
      }

      async function handle(event: HubEvent): Promise<string | null> {
        const payload = (event.data as { data?: any })?.data;
        if (!payload) return null;
        if (event.type === 'task.unrunnable' && payload.task === name && payload.task_id === record.id) warn(`warning: ${payload.summary}`);
        if (event.type === 'task.runnable' && payload.task === name && payload.task_id === record.id) warn(payload.summary);
        if (event.type === 'progress' && payload.task === name && (payload.task_id === record.id || record.status === 'pending')) {
          if (payload.task_id !== record.id) {
            record = await ctx.task(name);
            // A run that started after this watch: every sample of it is newer than the watch.
            notBeforeMs = -Infinity;
          }
          const { task: _t, task_id: _id, ...p } = payload;
          show(p as Progress);
          if (done(p as Progress)) return 'nothing pending or in flight';
        } else if (event.type === 'task.finished' && payload.name === name && payload.id === record.id) {
          const final = await ctx.task(name).catch(() => null);
          if (final?.progress) show(final.progress);
          return 'task completed';
        } else if (event.type === 'task.started' && payload.name === name) {
          record = await ctx.task(name);
        }
        return null;
      }
    });
}
