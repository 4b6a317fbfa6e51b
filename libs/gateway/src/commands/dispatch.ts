import { errorReply, notAllowed, Reply } from '../resp/reply';
import type { ClientSession } from '../session/client-session';
import * as conn from './connection-commands';
import * as consumer from './consumer-commands';
import type { GatewayContext } from './gateway-context';
import { gridcore } from './node-commands';
import * as worker from './worker-commands';

/** What a connection may send before AUTH. */
const BEFORE_AUTH = new Set(['AUTH', 'HELLO', 'QUIT']);

/**
 * Commands that start at once, without waiting for earlier ones of their connection: they only
 * read, or run a script the task's Redis orders itself. Everything else waits its turn.
 */
const UNORDERED = new Set(['EVALSHA', 'PING', 'ECHO', 'INFO', 'SCRIPT', 'HMGET']);

export function isOrdered(command: string): boolean {
  return !UNORDERED.has(command);
}

/** Routes one command; anything not listed is refused with the gateway's one refusal, changing nothing. */
export function dispatch(ctx: GatewayContext, s: ClientSession, args: string[]): Reply | Promise<Reply> {
  const command = args[0].toUpperCase();
  if (!s.identity && !BEFORE_AUTH.has(command)) return errorReply('NOAUTH Authentication required.');
  switch (command) {
    case 'EVALSHA':
      return worker.evalsha(ctx, s, args);
    case 'AUTH':
      return conn.auth(ctx, s, args);
    case 'HELLO':
      return conn.hello(ctx, s, args);
    case 'PING':
      return conn.ping(args);
    case 'ECHO':
      return conn.echo(args);
    case 'SELECT':
      return conn.select(args);
    case 'QUIT':
      return conn.quit(s);
    case 'CLIENT':
      return conn.client(ctx, s, args);
    case 'INFO':
      return conn.info(s);
    case 'SCRIPT':
      return worker.script(ctx, s, args);
    case 'HMGET':
      return worker.hmget(ctx, s, args);
    case 'BLMOVE':
      return worker.blmove(ctx, s, args);
    case 'BRPOP':
    case 'BLPOP':
      return consumer.blockingPop(ctx, s, args);
    case 'RPOP':
    case 'LPOP':
      return consumer.pop(ctx, s, args);
    case 'LPUSH':
    case 'RPUSH':
      return consumer.push(ctx, s, args);
    case 'LLEN':
      return consumer.llen(ctx, s, args);
    case 'GRIDCORE':
      return gridcore(ctx, s, args);
    default:
      return notAllowed(command);
  }
}
