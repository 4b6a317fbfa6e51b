import { useEffect, useState } from 'preact/hooks';
import type { FailureGroupDto, FailuresDto } from '@gridcore/contracts';
import { ConfirmButton } from './confirm-button';
import type { Actions } from './dashboard';
import { formatCount, formatWhen } from './format';

function Group(props: { task: string; group: FailureGroupDto; admin: boolean; actions: Actions; reload: () => void }) {
  const { group: g } = props;
  const e = g.example;
  return (
    <li class="failure-group" data-testid="failure-group" data-group={g.id}>
      <div class="failure-head">
        <strong data-testid="failure-count">{formatCount(g.count)}</strong> <code data-testid="failure-signature">{g.signature}</code>
        {props.admin && (
          <ConfirmButton
            label="Requeue group"
            confirm={`Requeue ${formatCount(g.count)}`}
            testId={`requeue-group-${g.id}`}
            onConfirm={async () => {
              await props.actions.requeueGroup(props.task, g.id);
              props.reload();
            }}
          />
        )}
      </div>
      <p class="muted small">
        group {g.id} · nodes {g.nodes.join(', ') || '–'} · first {g.first_seen ? formatWhen(g.first_seen) : '–'} · last {g.last_seen ? formatWhen(g.last_seen) : '–'}
      </p>
      <p class="small">
        e.g. item <code>{e.item}</code>
        {e.node && <span class="muted"> on {e.node}/{e.instance ?? '?'}</span>}
        {e.image && <span class="muted"> · {e.image.slice(0, 19)}</span>}: {e.message}
      </p>
      {e.logs && <pre class="failure-logs" data-testid="failure-logs">{e.logs}</pre>}
      <p class="muted small">sample: {g.sample_items.slice(0, 5).join(', ')}</p>
    </li>
  );
}

/** The task's dead items grouped by cause (GET /api/tasks/:name/failures), reloaded when the dead count moves. */
export function FailuresPanel(props: { task: string; dead: number; admin: boolean; actions: Actions }) {
  const [failures, setFailures] = useState<FailuresDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  useEffect(() => {
    let live = true;
    props.actions
      .failures(props.task)
      .then((f) => live && (setFailures(f), setError(null)))
      .catch((err: unknown) => live && setError(err instanceof Error ? err.message : String(err)));
    return () => {
      live = false;
    };
  }, [props.task, props.dead, reloads]);
  if (props.dead === 0 && (!failures || failures.groups.length === 0)) return null;
  return (
    <div class="failures" data-testid="failures-panel">
      <h4>
        Failures {failures && <span class="muted">· {formatCount(failures.dead)} dead in {failures.groups.length} group(s)</span>}
      </h4>
      {error && <p class="error">Failures unavailable: {error}</p>}
      {failures && (
        <ol class="failure-groups">
          {failures.groups.map((g) => (
            <Group key={g.id} task={props.task} group={g} admin={props.admin} actions={props.actions} reload={() => setReloads((n) => n + 1)} />
          ))}
        </ol>
      )}
    </div>
  );
}
