import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { Readiness } from './readiness.js';

/** Answers a request if it is one of ours; false lets the caller route it elsewhere. */
export type OpsRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The probes every process serves on PORT, whatever its role: `/healthz` (the process is up) and
 * `/readyz` (it can do its work: 200 `ready` or 503 with the reason). They say nothing more, so
 * they may sit beside Slack's endpoint.
 */
export function healthRoutes(readiness: Readiness): OpsRoutes {
  return (req, res) => {
    const path = pathOf(req);
    if (path === '/healthz') {
      text(res, 200, 'ok');
      return true;
    }
    if (path === '/readyz') {
      void readiness().then(
        (reason) => text(res, reason ? 503 : 200, reason ?? 'ready'),
        (err: Error) => text(res, 503, err.message),
      );
      return true;
    }
    return false;
  };
}

/**
 * `/metrics` (Prometheus), served only on OFFBOARD_METRICS_PORT: queue depths, request outcomes and
 * call counts are for the operator, not for whoever can reach the port Slack posts to.
 */
export function metricsRoute(registry: Registry, logger: Logger): OpsRoutes {
  return (req, res) => {
    if (pathOf(req) !== '/metrics') return false;
    registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': registry.contentType }).end(body);
      },
      (err: Error) => {
        logger.error({ err: err.message }, 'collecting metrics failed');
        text(res, 500, `collecting metrics failed: ${err.message}`);
      },
    );
    return true;
  };
}

function pathOf(req: IncomingMessage): string | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
  return new URL(req.url ?? '/', 'http://localhost').pathname;
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
}
