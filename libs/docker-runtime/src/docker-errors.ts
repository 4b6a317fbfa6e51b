import { DockerApiError } from './errors/docker-api.error';
import { DockerPermissionError } from './errors/docker-permission.error';
import { DockerUnreachableError } from './errors/docker-unreachable.error';
import { RuntimeError } from './errors/runtime-error';
import { RuntimeTimeoutError } from './errors/runtime-timeout.error';

interface DockerodeLikeError {
  statusCode?: number;
  code?: string;
  name?: string;
  message?: string;
  reason?: string;
  json?: { message?: string } | null;
}

/** The engine's own words for a failed call, without dockerode's "(HTTP code N)" prefix. */
export function dockerDetail(err: unknown): string {
  const e = (err ?? {}) as DockerodeLikeError;
  const fromJson = e.json && typeof e.json === 'object' ? e.json.message : undefined;
  const text = fromJson || e.message || e.reason || String(err);
  return text.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '').trim();
}

export interface MapContext {
  what: string;
  socket: string;
  timeoutMs: number;
  /** What a 404 means for this call (a container or an image); default: a generic API error. */
  notFound?: () => RuntimeError;
}

const UNREACHABLE_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT']);

/** Turns whatever dockerode threw into a typed {@link RuntimeError}. */
export function mapDockerError(err: unknown, ctx: MapContext): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const e = (err ?? {}) as DockerodeLikeError;
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || e.code === 'ABORT_ERR') {
    return new RuntimeTimeoutError(ctx.what, ctx.timeoutMs, { cause: err });
  }
  if (e.code === 'EACCES' || e.code === 'EPERM') return new DockerPermissionError(ctx.socket, { cause: err });
  if (e.code && UNREACHABLE_CODES.has(e.code)) {
    return new DockerUnreachableError(ctx.socket, `${e.code}`, { cause: err });
  }
  if (e.statusCode === 404 && ctx.notFound) return ctx.notFound();
  return new DockerApiError(ctx.what, typeof e.statusCode === 'number' ? e.statusCode : null, dockerDetail(err), { cause: err });
}

