import { createServer } from 'node:http';
import type { Logger } from '../logger.js';
import { listen, type Listening } from './listen.js';
import type { OpsRoutes } from './ops-routes.js';

export type OpsServer = Listening;

export interface OpsServerOptions {
  port: number;
  /** The interface to bind; every one unless told. */
  host?: string;
  /** The setting that chose the port, named when it cannot be bound. */
  setting: string;
  routes: OpsRoutes;
  logger: Logger;
}

/**
 * A small HTTP server of operator routes: the probes on PORT for processes that take no Slack HTTP
 * requests (workers, web processes in Socket Mode), and /metrics on OFFBOARD_METRICS_PORT.
 */
export async function startOpsServer({ port, host, setting, routes, logger }: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((req, res) => {
    if (!routes(req, res)) res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
  });
  const listening = await listen(server, port, setting, host);
  logger.info({ port: listening.port, host: host ?? '0.0.0.0', setting }, 'serving ops routes');
  return listening;
}
