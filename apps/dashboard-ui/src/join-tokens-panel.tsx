import type { JoinTokenCreatedDto, JoinTokenDto, JoinTokenRevokedDto } from '@gridcore/contracts';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from './api-client';
import { ConfirmButton } from './confirm-button';
import { formatWhen } from './format';

/**
 * Join tokens for volunteers (admin only): make one (its secret is shown once, here), see the
 * nodes that joined with each, revoke one with every node it brought.
 */
export function JoinTokensPanel(props: { api: ApiClient }) {
  const [tokens, setTokens] = useState<JoinTokenDto[]>([]);
  const [label, setLabel] = useState('');
  const [maxNodes, setMaxNodes] = useState('');
  const [created, setCreated] = useState<JoinTokenCreatedDto | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = () =>
    props.api
      .get<JoinTokenDto[]>('/api/join-tokens')
      .then(setTokens)
      .catch((err: Error) => setError(err.message));
  useEffect(() => void reload(), [props.api]);

  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const body: Record<string, unknown> = { label };
      if (maxNodes.trim()) body.max_nodes = Number(maxNodes);
      setCreated(await props.api.post<JoinTokenCreatedDto>('/api/join-tokens', body));
      setLabel('');
      setMaxNodes('');
      await reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const revoke = async (id: string) => {
    try {
      const r = await props.api.delete<JoinTokenRevokedDto>(`/api/join-tokens/${encodeURIComponent(id)}`);
      setError(null);
      setCreated(null);
      await reload();
      if (r.revoked_nodes.length) setError(`Revoked ${id} and its nodes ${r.revoked_nodes.join(', ')}`);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    // Folded by default: an operator opens it to hand out a token, and the phone page stays short.
    <details class="card join-tokens" data-testid="join-tokens">
      <summary data-testid="join-tokens-summary">
        <h2>Join tokens</h2>
        <span class="muted small">{tokens.length === 0 ? 'none yet' : `${tokens.filter((t) => !t.revoked_at).length} active`}</span>
      </summary>
      <form class="inline-form" onSubmit={create}>
        <input placeholder="label (who it is for)" value={label} onInput={(e) => setLabel((e.target as HTMLInputElement).value)} data-testid="join-token-label" />
        <input placeholder="max nodes" value={maxNodes} inputMode="numeric" onInput={(e) => setMaxNodes((e.target as HTMLInputElement).value)} data-testid="join-token-max" />
        <button type="submit" data-testid="join-token-create">Create</button>
      </form>
      {created && (
        <p class="notice notice-ok" data-testid="join-token-secret">
          Join token for {created.label} (shown once; the volunteer sets it as <code>token</code> in gridnode.toml): <code>{created.token}</code>
        </p>
      )}
      {error && <p class="error small" data-testid="join-token-error">{error}</p>}
      {tokens.length === 0 ? (
        <p class="muted">No join token yet.</p>
      ) : (
        <table class="list">
          <thead>
            <tr><th>Label</th><th>Id</th><th>Nodes</th><th>Expires</th><th /></tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} data-token-id={t.id}>
                <td data-label="Label"><div>{t.label}{t.source === 'config' && <span class="muted small"> (config)</span>}</div></td>
                <td data-label="Id"><div class="muted small">{t.id}</div></td>
                <td data-label="Nodes"><div>
                  {t.live_nodes}{t.max_nodes !== null ? ` of ${t.max_nodes}` : ''}
                  {t.nodes.length > 0 && <div class="muted small">{t.nodes.map((n) => `${n.node_id}${n.revoked_at ? ' (revoked)' : ''}`).join(', ')}</div>}
                </div></td>
                <td data-label="Expires"><div>{t.expires_at ? formatWhen(t.expires_at) : 'never'}</div></td>
                <td class="row-actions">
                  {t.revoked_at ? (
                    <span class="badge badge-offline" data-testid="join-token-revoked">revoked</span>
                  ) : (
                    <ConfirmButton label="Revoke" confirm={`Revoke ${t.label} and its nodes`} testId="revoke-join-token" danger onConfirm={() => revoke(t.id)} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}
