import { loadProtocol, Protocol } from '../protocol';
import { BadScriptArgumentError } from './bad-argument.error';
import { QueueError } from './queue-error';
import { ResultCountMismatchError } from './result-count.error';
import { TooManyItemsError } from './too-many-items.error';
import { UnknownScriptCodeError } from './unknown-script-code.error';
import { WrongKeyTypeError } from './wrong-key-type.error';

/** The negative codes the Lua scripts answer with, as `{code, detail}`: scripts/manifest.json. */
export function scriptCodes(protocol: Protocol = loadProtocol()): Record<string, number> {
  return protocol.codes();
}

/** True when a script reply is an error reply `{negative code, detail}`. */
export function isScriptError(reply: unknown): reply is [number, string | number] {
  return Array.isArray(reply) && typeof reply[0] === 'number' && reply[0] < 0;
}

/** The one place that maps a script's negative code to a typed error. */
export function scriptError(
  script: string,
  reply: [number, string | number],
  context: { batchKey?: string; given?: number } = {},
  protocol: Protocol = loadProtocol(),
): QueueError {
  const [code, detail] = reply;
  const known = protocol.error(code);
  if (known?.role && known.type) return new WrongKeyTypeError(String(detail), known.role, known.type);
  switch (known?.name) {
    case 'RESULT_COUNT':
      return new ResultCountMismatchError(context.batchKey ?? '?', Number(detail), context.given ?? -1);
    case 'TOO_MANY':
      return new TooManyItemsError(Number(detail));
    case 'BAD_ARG':
      return new BadScriptArgumentError(`${script}: ${String(detail)}`);
    default:
      return new UnknownScriptCodeError(script, code);
  }
}
