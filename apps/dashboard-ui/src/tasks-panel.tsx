import type { TaskProgressDto, TaskRecordDto } from '@gridcore/contracts';
import { ConfirmButton } from './confirm-button';
import type { Actions } from './dashboard';
import { CompletedTasks, shortRunId } from './completed-tasks';
import { currentTask, DashboardState, progressOf, queueIdle } from './dashboard-state';
import { ExistingNotice } from './existing-notice';
import { FailuresPanel } from './failures-panel';
import { completedFraction, formatCount, formatDuration, formatRate, formatWhen, secondsBetween } from './format';

function imageOf(t: TaskRecordDto): string {
  return t.image ?? Object.values(t.images ?? {})[0] ?? '–';
}

function ProgressBar(props: { fraction: number }) {
  const pct = Math.max(0, Math.min(100, props.fraction * 100));
  // SVG attributes, not inline styles: the page's CSP allows no style attributes.
  return (
    <svg class="bar" viewBox="0 0 100 6" preserveAspectRatio="none" role="progressbar" aria-valuenow={Math.round(pct)} aria-valuemin={0} aria-valuemax={100}>
      <rect class="bar-bg" x="0" y="0" width="100" height="6" />
      <rect class="bar-fg" x="0" y="0" width={pct} height="6" />
    </svg>
  );
}

function Running(props: { task: TaskRecordDto; progress: TaskProgressDto | null; admin: boolean; actions: Actions }) {
  const { task, progress: p } = props;
  return (
    <div class="running" data-testid="running-task">
      <div class="running-head">
        <h3>
          <span data-testid="running-name">{task.name}</span> <span class="muted">{imageOf(task)}</span>
        </h3>
        <span class="muted small" data-testid="running-run" title={task.id}>run {shortRunId(task.id)} · started {formatWhen(task.started_at)}</span>
        <span
          class="muted small"
          data-testid="running-data-plane"
          title={task.data_plane === 'gateway' ? 'Volunteer nodes reach its queues through the data gateway only' : 'Volunteer nodes reach its Redis directly'}
        >
          {' '}· data plane {task.data_plane ?? 'direct'}
        </span>
        {props.admin && (
          <span class="actions">
            {p && p.dead > 0 && (
              <ConfirmButton label={`Requeue ${formatCount(p.dead)} dead`} confirm="Requeue them" testId="requeue-dead" onConfirm={() => props.actions.requeueDead(task.name)} />
            )}
            <ConfirmButton label="Finish task" confirm={`Finish ${task.name}`} testId="finish" danger onConfirm={() => props.actions.finish(task.name)} />
          </span>
        )}
      </div>
      {task.data_loss && (
        <div class="error data-loss" role="alert" data-testid="data-loss">
          <p>
            <strong>Queue data lost</strong> (seen {new Date(task.data_loss.detected_at).toLocaleString()}): {task.data_loss.reason}. Auto-finish
            is suspended for this task until an operator acknowledges it.
          </p>
          {props.admin && (
            <ConfirmButton
              label="Acknowledge data loss"
              confirm="Acknowledge and resume"
              testId="acknowledge-data-loss"
              onConfirm={() => props.actions.acknowledgeDataLoss(task.name)}
            />
          )}
        </div>
      )}
      {task.runnable && !task.runnable.runnable && (
        <p class="warning" role="status" data-testid="unrunnable">{task.runnable.summary}</p>
      )}
      {task.scoped_users?.state === 'unavailable' && (
        <p class="warning" role="status" data-testid="scoped-users-unavailable">
          No volunteer node gets this task: the hub cannot create its Redis users ({task.scoped_users.detail})
        </p>
      )}
      <ExistingNotice task={task} />
      {p ? (
        <>
          <ProgressBar fraction={completedFraction(p)} />
          <dl class="figures">
            <div><dt>done</dt><dd data-testid="progress-done">{formatCount(p.done)}</dd></div>
            <div><dt>pending</dt><dd data-testid="progress-pending">{formatCount(p.pending)}</dd></div>
            <div><dt>in flight</dt><dd>{formatCount(p.in_flight)}</dd></div>
            <div><dt>dead</dt><dd data-testid="progress-dead">{formatCount(p.dead)}</dd></div>
            <div><dt>rate</dt><dd data-testid="progress-rate">{queueIdle(p) ? 'idle' : formatRate(p.items_per_s)}</dd></div>
            <div><dt>ETA</dt><dd data-testid="progress-eta">{queueIdle(p) ? 'queue empty' : p.eta_s === null ? '–' : formatDuration(p.eta_s)}</dd></div>
            <div><dt>running for</dt><dd>{formatDuration(secondsBetween(task.started_at, null))}</dd></div>
          </dl>
          {p.error && <p class="error">Progress unavailable: {p.error}</p>}
          <FailuresPanel task={task.name} dead={p.dead} admin={props.admin} actions={props.actions} />
        </>
      ) : (
        <p class="muted">
          {task.input_queue ? 'No progress sample yet.' : 'This task names no input queue, so the hub cannot see its progress.'} Running for{' '}
          {formatDuration(secondsBetween(task.started_at, null))}.
        </p>
      )}
    </div>
  );
}

/** Pending records in the hub's start order (its `pending` names: priority, then registration or as moved). */
function pendingInOrder(state: DashboardState): TaskRecordDto[] {
  const list = state.tasks!;
  const byName = new Map(list.tasks.filter((t) => t.status === 'pending').map((t) => [t.name, t]));
  return list.pending.map((name) => byName.get(name)).filter((t): t is TaskRecordDto => !!t);
}

/** How many online nodes could run a pending task (the hub's judgement), and why not when none. */
function PendingFit(props: { task: TaskRecordDto }) {
  const r = props.task.runnable;
  if (!r) return null;
  if (r.runnable) return <span class="muted small" data-testid="pending-fit"> · {r.nodes_running} online node{r.nodes_running === 1 ? '' : 's'} could run it</span>;
  return <span class="warning small" data-testid="pending-fit" title={r.summary}> · {r.summary}</span>;
}

function PendingMoves(props: { task: string; above?: string; below?: string; actions: Actions }) {
  const { task, above, below, actions } = props;
  return (
    <span class="actions">
      <button type="button" class="small" data-testid="move-up" disabled={!above} title="Start it before the task above" onClick={() => above && void actions.movePending(task, { before: above })}>
        ↑
      </button>
      <button type="button" class="small" data-testid="move-down" disabled={!below} title="Start it after the task below" onClick={() => below && void actions.movePending(task, { after: below })}>
        ↓
      </button>
    </span>
  );
}

export function TasksPanel(props: { state: DashboardState; admin: boolean; actions: Actions }) {
  const { state } = props;
  if (!state.tasks) return <section class="card"><h2>Tasks</h2><p class="muted">Loading…</p></section>;
  const running = currentTask(state);
  const pending = pendingInOrder(state);
  const completed = state.tasks.tasks.filter((t) => t.status === 'completed');
  return (
    <section class="card" data-testid="tasks">
      <h2>Tasks</h2>
      {running ? (
        <Running task={running} progress={progressOf(state, running)} admin={props.admin} actions={props.actions} />
      ) : (
        <p class="muted" data-testid="no-running">No task is running: the grid is idle.</p>
      )}
      <h3>
        Pending ({pending.length}){pending.length === 0 && <span class="muted"> · none</span>}
      </h3>
      {pending.length === 0 ? null : (
        <ol class="pending" data-testid="pending">
          {pending.map((t, i) => (
            <li key={t.id} data-testid="pending-task">
              <strong>{t.name}</strong> <span class="muted">{imageOf(t)}</span>
              {t.priority ? <span class="muted small"> · priority {t.priority}</span> : null}
              <PendingFit task={t} />
              {props.admin && pending.length > 1 && <PendingMoves task={t.name} above={pending[i - 1]?.name} below={pending[i + 1]?.name} actions={props.actions} />}
              <ExistingNotice task={t} />
            </li>
          ))}
        </ol>
      )}
      <CompletedTasks state={state} tasks={completed} onReport={(task) => void props.actions.downloadReport(task)} />
    </section>
  );
}
