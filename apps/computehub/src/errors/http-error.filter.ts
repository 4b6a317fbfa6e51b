import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { QueueError } from '@gridcore/queue';
import { DomainError } from './domain-error';

/** libs/queue's typed errors as HTTP statuses: a bad name is the caller's, a key of the wrong
 * type is a conflict with what is in Redis, a lost connection is temporary. */
const QUEUE_ERROR_STATUS: Record<string, number> = {
  QUEUE_NAME_INVALID: 400,
  QUEUE_BAD_ARGUMENT: 400,
  QUEUE_PREFIX_COLLISION: 409,
  QUEUE_WRONG_KEY_TYPE: 409,
  QUEUE_TOO_MANY_ITEMS: 409,
  QUEUE_CONNECTION: 503,
};

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

/** Errors raised by Express's body parsers carry a `type` and a `status`. */
interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

function body(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/** Turns any thrown value into the JSON error shape `{statusCode, error, message}`. */
export function toErrorBody(exception: unknown): ErrorBody | null {
  if (exception instanceof DomainError) return body(exception.status, exception.message);
  if (exception instanceof QueueError) {
    return body(QUEUE_ERROR_STATUS[exception.code] ?? (exception.recoverable ? 503 : 409), exception.message);
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    let message: unknown = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    if (Array.isArray(message)) message = message.join('; ');
    return body(status, typeof message === 'string' ? message : exception.message);
  }
  const parserError = exception as BodyParserError;
  if (parserError && typeof parserError === 'object' && typeof parserError.type === 'string') {
    switch (parserError.type) {
      case 'entity.parse.failed':
        return body(400, 'malformed JSON body');
      case 'entity.too.large':
        return body(413, `request body is larger than the limit of ${parserError.limit} bytes`);
      case 'charset.unsupported':
      case 'encoding.unsupported':
        return body(415, 'unsupported body encoding');
      default:
        if (parserError.status && parserError.status >= 400 && parserError.status < 500) {
          return body(parserError.status, 'unreadable request body');
        }
    }
  }
  return null;
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    let payload = toErrorBody(exception);
    if (!payload) {
      // Unknown errors are ours: log the stack for the operator, answer without internals.
      this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
      payload = body(500, 'internal error');
    }
    if (response.headersSent) return;
    response.status(payload.statusCode).json(payload);
  }
}
