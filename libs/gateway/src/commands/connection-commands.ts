import { describeIdentity } from '../auth/identity';
import { errorReply, map, notAllowed, OK, PONG, Reply, status } from '../resp/reply';
import type { ClientSession } from '../session/client-session';
import type { GatewayContext } from './gateway-context';

const WRONGPASS = errorReply('WRONGPASS invalid username-password pair or user is disabled.');

/** The Redis version the gateway says it speaks (the commands it answers are Redis 6.2+'s). */
export const SPOKEN_VERSION = '7.2.0';

async function authenticate(ctx: GatewayContext, s: ClientSession, user: string, pass: string): Promise<Reply | null> {
  const identity = await ctx.auth.authenticate(user, pass);
  if (!identity) return WRONGPASS;
  if (s.identity && describeIdentity(s.identity) !== describeIdentity(identity)) return errorReply('ERR gridcore gateway: a connection cannot change who it is');
  s.identity = identity;
  return null;
}

export async function auth(ctx: GatewayContext, s: ClientSession, args: string[]): Promise<Reply> {
  if (args.length === 2) return WRONGPASS; // AUTH <password> is the default user's: the gateway has none
  if (args.length !== 3) return errorReply("ERR wrong number of arguments for 'auth' command");
  return (await authenticate(ctx, s, args[1], args[2])) ?? OK;
}

export async function hello(ctx: GatewayContext, s: ClientSession, args: string[]): Promise<Reply> {
  let proto = s.proto;
  let i = 1;
  if (args.length > 1) {
    const v = Number(args[1]);
    if (v !== 2 && v !== 3) return errorReply('NOPROTO unsupported protocol version');
    proto = v;
    i = 2;
  }
  let name: string | undefined;
  for (; i < args.length; i++) {
    const opt = args[i].toUpperCase();
    if (opt === 'AUTH' && i + 2 < args.length) {
      const refused = await authenticate(ctx, s, args[i + 1], args[i + 2]);
      if (refused) return refused;
      i += 2;
    } else if (opt === 'SETNAME' && i + 1 < args.length) {
      name = args[++i];
    } else {
      return errorReply(`ERR Syntax error in HELLO option '${args[i]}'`);
    }
  }
  if (!s.identity) return errorReply('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
  if (name !== undefined) s.name = name;
  s.proto = proto;
  return map([
    ['server', 'redis'],
    ['version', SPOKEN_VERSION],
    ['proto', proto],
    ['id', s.id],
    ['mode', 'standalone'],
    ['role', 'master'],
    ['modules', []],
  ]);
}

export function ping(args: string[]): Reply {
  if (args.length === 1) return PONG;
  if (args.length === 2) return args[1];
  return errorReply("ERR wrong number of arguments for 'ping' command");
}

export function echo(args: string[]): Reply {
  return args.length === 2 ? args[1] : errorReply("ERR wrong number of arguments for 'echo' command");
}

export function select(args: string[]): Reply {
  return args.length === 2 && args[1] === '0' ? OK : notAllowed('SELECT', 'only database 0');
}

export function quit(s: ClientSession): Reply {
  s.endAfterReplies();
  return OK;
}

/** A minimal INFO: enough for the clients' ready checks and the SDKs' cluster test. */
export function info(s: ClientSession): Reply {
  const lines = [
    '# Server', `redis_version:${SPOKEN_VERSION}`, 'redis_mode:standalone', 'gridcore_gateway:1', '',
    '# Clients', `connected_clients:1`, '',
    '# Persistence', 'loading:0', '',
    '# Replication', 'role:master', '',
    '# Cluster', 'cluster_enabled:0', '',
  ];
  void s;
  return lines.join('\r\n');
}

export async function client(ctx: GatewayContext, s: ClientSession, args: string[]): Promise<Reply> {
  const sub = (args[1] ?? '').toUpperCase();
  switch (sub) {
    case 'ID':
      return s.id;
    case 'SETNAME':
      if (args.length !== 3 || /\s/.test(args[2])) return errorReply('ERR Client names cannot contain spaces, newlines or special characters.');
      s.name = args[2];
      return OK;
    case 'GETNAME':
      return s.name === '' ? null : s.name;
    case 'SETINFO':
      return args.length === 4 ? OK : errorReply("ERR wrong number of arguments for 'client|setinfo' command");
    case 'UNBLOCK': {
      const target = ctx.sessions.get(Number(args[2]));
      const mode = (args[3] ?? 'TIMEOUT').toUpperCase();
      if (args.length < 3 || args.length > 4 || !/^\d+$/.test(args[2]) || (mode !== 'TIMEOUT' && mode !== 'ERROR')) {
        return errorReply('ERR gridcore gateway: CLIENT UNBLOCK <id> [TIMEOUT|ERROR]');
      }
      // Only a connection of the same node, and only a take waiting in the gateway.
      if (!target || !s.identity || target.identity?.nodeId !== s.identity.nodeId || !target.pendingWait) return 0;
      const wait = target.pendingWait;
      target.pendingWait = undefined;
      void wait.cancel();
      return 1;
    }
    default:
      return notAllowed(`CLIENT ${sub || ''}`.trim());
  }
}

export { status };
