import type { Authenticator } from '../auth/authenticator';
import type { SessionRegistry } from '../session/session-registry';
import type { TaskBackends } from '../task/task-backends';

/** What every command handler may use. */
export interface GatewayContext {
  auth: Authenticator;
  backends: TaskBackends;
  sessions: SessionRegistry;
  /** The protocol scripts' SHA1s (SCRIPT LOAD and SCRIPT EXISTS answer for these only). */
  scriptShas: ReadonlySet<string>;
}
