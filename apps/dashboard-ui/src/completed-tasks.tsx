import type { TaskRecordDto } from '@gridcore/contracts';
import { DashboardState, progressOf } from './dashboard-state';
import { formatCount, formatDuration, formatWhen, secondsBetween } from './format';

/** Run ids are UUIDs: the first block tells runs of one name apart at a glance. */
export function shortRunId(id: string): string {
  return id.slice(0, 8);
}

/**
 * Completed runs, newest first, collapsed behind their count so a long history does not push the
 * nodes off the screen. Each row: the run (name, run id), when it ran, and what it left.
 */
export function CompletedTasks(props: { state: DashboardState; tasks: TaskRecordDto[]; onReport?: (task: string) => void }) {
  const completed = [...props.tasks].sort((a, b) => (b.completed_at ?? '').localeCompare(a.completed_at ?? ''));
  // The report is of a name's latest run: offered on that run's row only, while no newer run of the name is pending or running.
  const active = new Set((props.state.tasks?.tasks ?? []).filter((t) => t.status !== 'completed').map((t) => t.name));
  const latestRun = new Map<string, string>();
  for (const t of completed) if (!latestRun.has(t.name)) latestRun.set(t.name, t.id);
  if (completed.length === 0) {
    return (
      <>
        <h3>Completed (0)</h3>
        <p class="muted">None yet.</p>
      </>
    );
  }
  return (
    <details class="completed" data-testid="completed">
      <summary data-testid="completed-summary">
        <h3>Completed ({completed.length})</h3>
        <span class="muted small">latest {completed[0].name}, ended {formatWhen(completed[0].completed_at)}</span>
      </summary>
      <table class="list" data-testid="completed-table">
        <thead>
          <tr><th>Task</th><th>Ran</th><th>Results</th><th>Ended by</th><th /></tr>
        </thead>
        <tbody>
          {completed.map((t) => {
            const p = progressOf(props.state, t);
            const left = t.left ? t.left.pending + t.left.in_flight : null;
            return (
              <tr key={t.id} data-run-id={t.id}>
                <td data-label="Task"><div>
                  <strong>{t.name}</strong> <span class="muted small" title={t.id}>run {shortRunId(t.id)}</span>
                </div></td>
                <td data-label="Ran"><div>
                  {formatWhen(t.started_at)} → {formatWhen(t.completed_at)}{' '}
                  <span class="muted small">({formatDuration(secondsBetween(t.started_at, t.completed_at))})</span>
                </div></td>
                <td data-label="Results" data-testid="completed-results"><div>
                  done {formatCount(p?.done)} · dead {formatCount(p?.dead)} · left {formatCount(left)}
                </div></td>
                <td data-label="Ended by"><div>{t.completed_by ?? '–'}</div></td>
                <td class="row-actions">
                  {props.onReport && latestRun.get(t.name) === t.id && !active.has(t.name) && (
                    <button class="quiet" data-testid="report-download" onClick={() => props.onReport!(t.name)}>
                      Report (CSV)
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </details>
  );
}
