import { useState } from 'preact/hooks';

export function SignIn(props: { message: string | null; onSubmit: (token: string) => Promise<void> }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!token.trim()) return;
    setBusy(true);
    await props.onSubmit(token.trim());
    setBusy(false);
  };
  return (
    <main class="sign-in">
      <h1>GridCore</h1>
      <form onSubmit={submit} aria-label="sign in">
        <label for="token">Access token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          placeholder="viewer or admin token"
          required
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Open the dashboard'}
        </button>
        {props.message && (
          <p class="error" role="alert" data-testid="sign-in-error">
            {props.message}
          </p>
        )}
        <p class="hint">The token is kept in this browser tab's session only and sent as a header, never in a URL.</p>
      </form>
    </main>
  );
}
