import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HubMetrics } from './hub-metrics';

/** Requests that matched no route share one label, so random URLs cannot grow the series. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Times every request until its response is sent, labelled by the route pattern Express matched
 * (`/api/tasks/:name`, never the raw URL). A middleware rather than an interceptor, so answers
 * the guard gives (401, 403) and 404s are counted too. Event streams are left out: their
 * duration is how long a client stayed connected.
 */
export function httpMetricsMiddleware(metrics: HubMetrics): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    // A response finishes once: `on` spares the wrapper `once` adds on every request.
    res.on('finish', () => {
      if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.observeHttp(req.method, routeOf(req), res.statusCode, seconds);
    });
    next();
  };
}

function routeOf(req: Request): string {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` : UNMATCHED_ROUTE;
}
