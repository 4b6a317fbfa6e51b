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
  /** A failed health check keeps terminus' own fields beside ours, for probes that read them. */
  [terminusField: string]: unknown;
}

/** The result terminus throws when an indicator is down: `{status, info, error, details}`. */
interface FailedHealthCheck {
  status: 'error';
  error: Record<string, { status: string; message?: unknown }>;
}

function isFailedHealthCheck(response: unknown): response is FailedHealthCheck {
  const candidate = response as Partial<FailedHealthCheck> | null;
  return typeof candidate === 'object' && candidate !== null && candidate.status === 'error' && typeof candidate.error === 'object';
}

/** `state_writes: state_dir writes fail: ENOSPC ...`: each indicator that is down, with its reason. */
function healthFailureMessage(result: FailedHealthCheck): string {
  return Object.entries(result.error)
    .map(([name, indicator]) => (typeof indicator.message === 'string' ? `${name}: ${indicator.message}` : `${name} is ${indicator.status}`))
    .join('; ');
}

function body(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/** Turns any thrown value into the JSON error shape `{statusCode, error, message}`. */
export function toErrorBody(exception: unknown): ErrorBody | null {
  if (exception instanceof DomainError) {
    const reason = (exception as { reason?: unknown }).reason;
    return typeof reason === 'string' ? { ...body(exception.status, exception.message), reason } : body(exception.status, exception.message);
  }
  if (exception instanceof QueueError) {
    return body(QUEUE_ERROR_STATUS[exception.code] ?? (exception.recoverable ? 503 : 409), exception.message);
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    if (isFailedHealthCheck(response)) return { ...response, ...body(status, healthFailureMessage(response)) };
    let message: unknown = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    if (Array.isArray(message)) message = message.join('; ');
    return body(status, typeof message === 'string' ? message : exception.message);
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
