import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Metrics } from './metrics';

/** Latency buckets of an HTTP API: 1 ms … 10 s (a read-your-writes wait may take seconds). */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * `http_request_duration_seconds{method, route, status}`: one histogram for every request, labelled
 * with the route's pattern (`/orders/:orderId`), never the raw path, so the series stay few. A request
 * no route matched (404, or refused before routing: 413, 414 …) is `route="unmatched"`.
 */
export function httpMetricsMiddleware(metrics: Metrics): RequestHandler {
  const histogram = metrics.histogram(
    'http_request_duration_seconds',
    'Duration of HTTP requests, by route pattern and status',
    ['method', 'route', 'status'],
    BUCKETS,
  );
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = req.route?.path ? `${req.baseUrl ?? ''}${String(req.route.path)}` : 'unmatched';
      histogram.observe({ method: req.method, route, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
