import type { NodeRecordDto } from '@gridcore/contracts';
import { ConfirmButton } from './confirm-button';
import type { Actions } from './dashboard';
import { lastErrorOf } from './dashboard-state';
import { formatCount, formatPct, formatWhen } from './format';

function Gpus(props: { node: NodeRecordDto }) {
  const used = props.node.usage?.gpus ?? [];
  if (used.length > 0) {
    return (
      <>
        {used.map((g) => (
          <div key={g.index}>
            #{g.index} {formatPct(g.util_pct)} · {formatCount(g.mem_used_mib)}/{formatCount(g.mem_total_mib)} MiB
          </div>
        ))}
      </>
    );
  }
  return <>{props.node.gpus.length > 0 ? `${props.node.gpus.length} GPU` : '–'}</>;
}

function State(props: { node: NodeRecordDto }) {
  const { node } = props;
  const error = lastErrorOf(node);
  const runtime = node.status === 'Online' ? (node.runtime_status ?? 'Idle') : null;
  return (
    <>
      <span class={`badge badge-${node.status.toLowerCase()}`}>{node.status}</span>{' '}
      {runtime && <span class={`badge badge-${runtime.toLowerCase()}`}>{runtime}</span>}{' '}
      {node.stopping && <span class="badge badge-stopping">stopping</span>}
      {node.paused && node.status === 'Online' && (
        <span class="badge badge-stopping" data-testid="node-paused" title={`since ${node.paused.since}`}>
          paused: {node.paused.reason.replace(/_/g, ' ')}
        </span>
      )}
      {node.revoked_at && <span class="badge badge-stopping" data-testid="node-revoked">revoked</span>}
      {node.left_at && !node.revoked_at && <div class="muted small" data-testid="node-left">left {formatWhen(node.left_at)}</div>}
      {node.not_running && (
        <div class="warning small" data-testid="node-not-running" title={node.not_running.detail}>
          not running {node.not_running.task}: {node.not_running.reason.replace(/_/g, ' ')} — {node.not_running.detail}
        </div>
      )}
      {error && !node.not_running && (
        <div class="error small" title={error}>
          {error}
        </div>
      )}
    </>
  );
}

/** Containers the node runs, set from the hub: a number input and Scale (empty: the node's own). */
function ScaleControl(props: { node: NodeRecordDto; actions: Actions }) {
  const { node } = props;
  const current = node.requested_parallelism ?? node.parallelism ?? node.active_containers;
  return (
    <form
      class="inline"
      data-testid="scale-node"
      onSubmit={(e) => {
        e.preventDefault();
        const raw = String(new FormData(e.currentTarget as HTMLFormElement).get('parallelism') ?? '').trim();
        void props.actions.scaleNode(node.id, raw === '' ? null : Number(raw));
      }}
    >
      <input name="parallelism" type="number" min={1} max={4096} step={1} placeholder={String(current)} aria-label={`containers on ${node.hostname}`} style="width:5em" />
      <button type="submit">Scale</button>
    </form>
  );
}

export function NodesTable(props: { nodes: NodeRecordDto[]; perNode: Record<string, number>; admin: boolean; actions: Actions; onLogs: (id: string) => void }) {
  const online = props.nodes.filter((n) => n.status === 'Online').length;
  return (
    <section class="card">
      <h2>
        Nodes <span class="muted">{online} online of {props.nodes.length}</span>
      </h2>
      {props.nodes.length === 0 ? (
        <p class="muted">No node has joined yet.</p>
      ) : (
        <table class="list nodes" data-testid="nodes">
          <thead>
            <tr>
              <th>Node</th><th>Status</th><th>Containers</th><th>CPU</th><th>Memory</th><th>Load</th><th>GPU</th><th>Items</th>
              {props.admin && <th />}
            </tr>
          </thead>
          <tbody>
            {props.nodes.map((n) => (
              <tr key={n.id} data-node-id={n.id}>
                <td data-label="Node"><div>
                  <strong>{n.hostname}</strong>
                  <div class="muted small">
                    {n.platform} · {n.cpu_count} CPUs{n.version ? ` · v${n.version}` : ''}
                    {' '}
                    <button class="quiet inline-link" data-testid="node-logs-open" onClick={() => props.onLogs(n.id)}>
                      Logs
                    </button>
                  </div>
                </div></td>
                <td data-label="Status"><div><State node={n} /></div></td>
                <td data-label="Containers"><div>{n.active_containers}</div></td>
                <td data-label="CPU"><div>{formatPct(n.usage?.cpu_pct)}</div></td>
                <td data-label="Memory"><div>{formatPct(n.usage?.mem_pct)}</div></td>
                <td data-label="Load" data-testid="node-load"><div>{formatPct(n.usage?.load)}</div></td>
                <td data-label="GPU"><div><Gpus node={n} /></div></td>
                <td data-label="Items" data-testid="node-items"><div>{formatCount(props.perNode[n.id] ?? 0)}</div></td>
                {props.admin && (
                  <td class="row-actions">
                    {n.status === 'Online' && !n.stopping && <ScaleControl node={n} actions={props.actions} />}
                    {n.status === 'Online' && !n.stopping && (
                      <ConfirmButton label="Stop" confirm={`Stop ${n.hostname}`} testId="stop-node" danger onConfirm={() => props.actions.stopNode(n.id)} />
                    )}
                    {!n.revoked_at && (
                      <ConfirmButton label="Revoke" confirm={`Revoke ${n.hostname} for good`} testId="revoke-node" danger onConfirm={() => props.actions.revokeNode(n.id)} />
                    )}
                    {n.status === 'Offline' && (
                      <ConfirmButton label="Remove" confirm={`Remove ${n.hostname}`} testId="remove-node" onConfirm={() => props.actions.removeNode(n.id)} />
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
