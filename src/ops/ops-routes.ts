import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { Readiness } from './readiness.js';

/** Answers a request if it is one of ours; false lets the caller route it elsewhere. */
export type OpsRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface OpsRoutesOptions {
  readiness: Readiness;
  registry: Registry;
  logger: Logger;
}

/**
 * The endpoints every process serves on PORT, whatever its role: `/healthz` (the process is up),
 * `/readyz` (it can do its work: 200 `ready` or 503 with the reason) and `/metrics` (Prometheus).
 */
export function opsRoutes({ readiness, registry, logger }: OpsRoutesOptions): OpsRoutes {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
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
    if (path === '/metrics') {
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
    }
    return false;
  };
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
}
