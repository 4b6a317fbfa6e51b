import type { ContainerLogChunkDto, ContainerLogDto, NodeLogsDto, NodeRecordDto } from '@gridcore/contracts';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from './api-client';

/** Lines a follow keeps per container on the page: the page never grows without bound. */
const MAX_LINES_SHOWN = 2_000;

function keepLast(text: string): string {
  const lines = text.split('\n');
  return lines.length > MAX_LINES_SHOWN ? lines.slice(-MAX_LINES_SHOWN).join('\n') : text;
}

function ended(c: ContainerLogDto): string {
  if (c.running) return 'running';
  return c.exit_code === null ? 'stopped by the node' : `exited ${c.exit_code}`;
}

/** Applies a follow's new output to the containers shown (a new container appears as its first output arrives). */
export function withChunk(containers: ContainerLogDto[], chunk: ContainerLogChunkDto): ContainerLogDto[] {
  const at = containers.findIndex((c) => c.container_id === chunk.container_id);
  const base: ContainerLogDto =
    at >= 0
      ? containers[at]
      : { instance: chunk.instance, container_id: chunk.container_id, task: null, started_at: new Date().toISOString(), exited_at: null, exit_code: null, running: true, truncated: false, text: '' };
  const next: ContainerLogDto = { ...base, text: keepLast(base.text + chunk.text) };
  if (chunk.exit_code !== undefined) Object.assign(next, { running: false, exit_code: chunk.exit_code, exited_at: new Date().toISOString() });
  return at >= 0 ? containers.map((c, i) => (i === at ? next : c)) : [...containers, next];
}

/**
 * One node's container logs, fetched through the hub over the node's own connection: every
 * kept container of the current task (crashed ones with their exit code), and with Follow the
 * output as it is written.
 */
export function NodeLogsView(props: { api: ApiClient; node: NodeRecordDto; onClose: () => void }) {
  const { api, node } = props;
  const [containers, setContainers] = useState<ContainerLogDto[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [roundTrip, setRoundTrip] = useState<number | null>(null);
  const [follow, setFollow] = useState(false);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    setError(null);
    const path = `/api/nodes/${encodeURIComponent(node.id)}/logs?tail=500`;
    if (!follow) {
      api
        .get<NodeLogsDto>(path)
        .then((answer) => {
          if (abort.signal.aborted) return;
          setContainers(answer.containers);
          setRoundTrip(answer.round_trip_ms);
        })
        .catch((err: Error) => !abort.signal.aborted && setError(err.message));
    } else {
      api
        .streamOf(
          `${path}&follow=1`,
          (event, data) => {
            if (event === 'containers') {
              setContainers(data.containers);
              setRoundTrip(data.round_trip_ms);
            } else if (event === 'chunk') {
              setContainers((shown) => withChunk(shown ?? [], data as ContainerLogChunkDto));
            } else if (event === 'end') {
              setError(data.reason);
            }
          },
          abort.signal,
        )
        .catch((err: Error) => !abort.signal.aborted && setError(err.message));
    }
    return () => abort.abort();
  }, [api, node.id, follow, reload]);

  return (
    <section class="card logs" data-testid="node-logs" data-node-id={node.id}>
      <h2>
        Logs of {node.hostname} <span class="muted small">{node.id}</span>
      </h2>
      <p class="row-actions">
        <label>
          <input type="checkbox" data-testid="logs-follow" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> Follow
        </label>{' '}
        {!follow && (
          <button class="quiet" data-testid="logs-refresh" onClick={() => setReload((n) => n + 1)}>
            Refresh
          </button>
        )}{' '}
        <button class="quiet" data-testid="logs-close" onClick={props.onClose}>
          Close
        </button>{' '}
        {roundTrip !== null && <span class="muted small" data-testid="logs-round-trip">round trip {roundTrip} ms</span>}
      </p>
      {error && (
        <p class="error" role="alert" data-testid="logs-error">
          {error}
        </p>
      )}
      {containers === null && !error && <p class="muted">Asking the node…</p>}
      {containers !== null && containers.length === 0 && <p class="muted">The node keeps no container output for its current task.</p>}
      {(containers ?? []).map((c) => (
        <div class="log-container" key={c.container_id} data-testid="log-container" data-instance={c.instance} data-exit-code={c.exit_code ?? ''}>
          <h3 class="small">
            instance {c.instance} · {c.container_id.slice(0, 12)} · <span data-testid="log-ended">{ended(c)}</span>
            {c.truncated && <span class="muted"> · older output dropped</span>}
          </h3>
          <pre class="log-text" data-testid="log-text">{c.text}</pre>
        </div>
      ))}
    </section>
  );
}
