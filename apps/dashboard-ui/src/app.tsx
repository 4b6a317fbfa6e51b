import { useEffect, useState } from 'preact/hooks';
import { ApiClient, tokenProblem } from './api-client';
import { Dashboard } from './dashboard';
import { SignIn } from './sign-in';

/** sessionStorage: the token lives as long as the browser tab's session, never longer. */
const TOKEN_KEY = 'gridcore.dashboard.token';

type Auth =
  | { phase: 'checking' }
  | { phase: 'signed-out'; message: string | null }
  | { phase: 'signed-in'; token: string; roles: string[] };

async function check(token: string): Promise<string[]> {
  const { roles } = await new ApiClient(token).get<{ roles: string[] }>('/api/whoami');
  return roles;
}

export function App() {
  const [auth, setAuth] = useState<Auth>(() =>
    sessionStorage.getItem(TOKEN_KEY) ? { phase: 'checking' } : { phase: 'signed-out', message: null },
  );

  const signIn = async (token: string): Promise<void> => {
    try {
      const roles = await check(token);
      sessionStorage.setItem(TOKEN_KEY, token);
      setAuth({ phase: 'signed-in', token, roles });
    } catch (err) {
      sessionStorage.removeItem(TOKEN_KEY);
      setAuth({ phase: 'signed-out', message: tokenProblem(err) });
    }
  };

  const signOut = (message: string | null = null): void => {
    sessionStorage.removeItem(TOKEN_KEY);
    setAuth({ phase: 'signed-out', message });
  };

  useEffect(() => {
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) void signIn(saved);
  }, []);

  if (auth.phase === 'checking') return <p class="boot">Checking the saved token…</p>;
  if (auth.phase === 'signed-out') return <SignIn message={auth.message} onSubmit={signIn} />;
  return (
    <Dashboard
      token={auth.token}
      admin={auth.roles.includes('admin')}
      onSignOut={() => signOut()}
      onUnauthorized={(message) => signOut(`The hub no longer accepts this token (${message}). Enter a valid one.`)}
    />
  );
}
