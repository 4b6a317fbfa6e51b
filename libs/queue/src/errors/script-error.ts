import { BadScriptArgumentError } from './bad-argument.error';
import { QueueError } from './queue-error';
import { ResultCountMismatchError } from './result-count.error';
import { TooManyItemsError } from './too-many-items.error';
import { UnknownScriptCodeError } from './unknown-script-code.error';
import { WrongKeyTypeError } from './wrong-key-type.error';

/**
 * The negative codes the Lua scripts answer with, as `{code, detail}` (see CONTRACT.md).
 * Kept in step with scripts/includes/common.lua.
 */
export const SCRIPT_CODES = {
  INPUT_TYPE: -1,
  OUTPUT_TYPE: -2,
  RETRY_TYPE: -3,
  DEAD_TYPE: -4,
  ATTEMPTS_TYPE: -5,
  LEASES_TYPE: -6,
  TAKEN_TYPE: -7,
  STATS_TYPE: -8,
  CONFIG_TYPE: -9,
  SEQ_TYPE: -10,
  BATCH_TYPE: -11,
  RESULT_COUNT: -12,
  TOO_MANY: -13,
  BAD_ARG: -14,
} as const;

const TYPE_ROLES: Record<number, [string, string]> = {
  [-1]: ['input queue', 'list'],
  [-2]: ['output queue', 'list'],
  [-3]: ['retry list', 'list'],
  [-4]: ['dead list', 'list'],
  [-5]: ['attempts hash', 'hash'],
  [-6]: ['leases sorted set', 'zset'],
  [-7]: ['taken hash', 'hash'],
  [-8]: ['stats hash', 'hash'],
  [-9]: ['config hash', 'hash'],
  [-10]: ['batch counter', 'string'],
  [-11]: ['batch list', 'list'],
};

/** True when a script reply is an error reply `{negative code, detail}`. */
export function isScriptError(reply: unknown): reply is [number, string | number] {
  return Array.isArray(reply) && typeof reply[0] === 'number' && reply[0] < 0;
}

/** The one place that maps a script's negative code to a typed error. */
export function scriptError(script: string, reply: [number, string | number], context: { batchKey?: string; given?: number } = {}): QueueError {
  const [code, detail] = reply;
  const role = TYPE_ROLES[code];
  if (role) return new WrongKeyTypeError(String(detail), role[0], role[1]);
  switch (code) {
    case SCRIPT_CODES.RESULT_COUNT:
      return new ResultCountMismatchError(context.batchKey ?? '?', Number(detail), context.given ?? -1);
    case SCRIPT_CODES.TOO_MANY:
      return new TooManyItemsError(Number(detail));
    case SCRIPT_CODES.BAD_ARG:
      return new BadScriptArgumentError(`${script}: ${String(detail)}`);
    default:
      return new UnknownScriptCodeError(script, code);
  }
}
