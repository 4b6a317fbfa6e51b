import { Logger } from '@nestjs/common';
import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError } from '../errors/body-too-large.error';
import { DomainError } from '../errors/domain-error';
import { UnreadableBodyError } from '../errors/unreadable-body.error';
import { UnsupportedBodyEncodingError } from '../errors/unsupported-body-encoding.error';
import { refusalOfJsonValue } from './forbidden-field-names';

/** The codings body-parser decodes; anything else is refused before a byte is read. */
const CONTENT_CODINGS = 'gzip, deflate, br or identity';

/** A client's header value, quoted for a message and a log line, bounded (headers run to 16 KiB). */
function quoted(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value);
}

/**
 * JSON is UTF-8 (RFC 8259 §8.1). body-parser would decode any `utf-*` charset and silently turn
 * bytes that are not UTF-8 into U+FFFD, storing text the client never sent.
 */
function requireUtf8(_req: IncomingMessage, _res: ServerResponse, bytes: Buffer, charset: string): void {
  if (charset !== 'utf-8') {
    throw new UnsupportedBodyEncodingError(`unsupported charset ${quoted(charset)}: JSON bodies must be UTF-8`);
  }
  if (!isUtf8(bytes)) throw new UnreadableBodyError('the JSON body is not valid UTF-8');
}

/** What body-parser (and raw-body, zlib) hang on the errors they raise. */
interface ParserError {
  type?: string;
  status?: number;
  limit?: number;
  charset?: string;
  encoding?: string;
  message?: string;
}

/**
 * One typed error, naming the problem, for whatever the parser refused; null for a fault of ours
 * (a 5xx from the parser), which stays an unknown error with its stack.
 */
export function bodyErrorOf(error: unknown, request: Request): DomainError | null {
  if (error instanceof DomainError) return error;
  const failure = (error ?? {}) as ParserError;
  const coding = String(request.headers['content-encoding'] ?? 'identity').toLowerCase();
  switch (failure.type) {
    case 'entity.parse.failed':
      // Not the parser's message: it quotes the body, which may hold a password.
      return new UnreadableBodyError('malformed JSON body');
    case 'entity.too.large':
      return new BodyTooLargeError(`request body is larger than the limit of ${failure.limit} bytes (counted decoded)`);
    case 'charset.unsupported':
      return new UnsupportedBodyEncodingError(`unsupported charset ${quoted(failure.charset ?? '')}: JSON bodies must be UTF-8`);
    case 'encoding.unsupported':
      return new UnsupportedBodyEncodingError(`unsupported Content-Encoding ${quoted(failure.encoding ?? coding)} (the hub reads ${CONTENT_CODINGS})`);
    case 'request.aborted':
      return new UnreadableBodyError('the request body ended early (client aborted)');
    case 'request.size.invalid':
      return new UnreadableBodyError('the request body is shorter or longer than its Content-Length');
  }
  const status = failure.status ?? 500;
  if (status >= 500) return null;
  // zlib's own errors carry no type: a body whose compression does not decode.
  if (coding !== 'identity' && failure.type === undefined) {
    return new UnreadableBodyError(`the ${coding} body could not be decoded: ${failure.message ?? 'corrupt data'}`);
  }
  return new UnreadableBodyError('unreadable request body');
}

/**
 * Wraps a body parser so that a body it refuses becomes a typed 4xx naming the problem, logged
 * as one warning line: the caller's mistake, not ours, so no stack and no ERROR.
 */
function refusingClearly(parser: RequestHandler, logger: Logger, checkParsed?: (body: unknown) => string | null): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) =>
    parser(request, response, (error?: unknown) => {
      const wrong = error === undefined || error === null ? checkParsed?.(request.body) : null;
      if (wrong) error = new UnreadableBodyError(`malformed JSON body: ${wrong}`);
      if (error === undefined || error === null) return next();
      const refusal = bodyErrorOf(error, request);
      if (!refusal) return next(error);
      logger.warn(`${request.method} ${request.path}: body refused (${refusal.status}): ${refusal.message}`);
      next(refusal);
    });
}

/** Runs middleware one after the other as one: a router layer less for each of them. */
function inSequence(handlers: readonly RequestHandler[]): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const step = (index: number) => (error?: unknown) => {
      if (error !== undefined && error !== null) return next(error);
      if (index === handlers.length) return next();
      try {
        void handlers[index](request, response, step(index + 1));
      } catch (err) {
        next(err);
      }
    };
    step(0)();
  };
}

/** The hub's body parsers: JSON (strictly UTF-8) and forms, each limited to `limit` decoded bytes. */
export function hubBodyParsers(limit: number): RequestHandler {
  const logger = new Logger('HttpBody');
  return inSequence([
    // Forbidden names are looked for once the body is parsed, not by a reviver: one costs more
    // than the parse itself on every body. This parser runs once per request (bodyParsersByPath),
    // so request.body is what it parsed, or nothing.
    refusingClearly(express.json({ limit, strict: true, verify: requireUtf8 }), logger, refusalOfJsonValue),
    refusingClearly(express.urlencoded({ limit, extended: false }), logger),
  ]);
}

/**
 * The paths Express would match as `app.use(paths, ...)`: each path, then `/` or the end,
 * in any letter case (Express routes are case-insensitive by default).
 */
export function pathPrefixTest(paths: readonly string[]): (path: string) => boolean {
  const escaped = paths.map((path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`^(?:${escaped.join('|')})(?:/|$)`, 'i');
  return (path) => pattern.test(path);
}

/**
 * One middleware for all body parsing: `specialPaths` get their own parsers, every other path
 * the general ones. The router matches each of its layers against every request, so one layer
 * here rather than one per parser and path is cheaper on every request (heartbeats above all).
 */
export function bodyParsersByPath(specialPaths: readonly string[], special: RequestHandler, general: RequestHandler): RequestHandler {
  const isSpecial = pathPrefixTest(specialPaths);
  return (request: Request, response: Response, next: NextFunction) =>
    (isSpecial(request.path) ? special : general)(request, response, next);
}
