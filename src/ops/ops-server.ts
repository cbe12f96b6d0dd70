import { createServer } from 'node:http';
import type { Logger } from '../logger.js';
import { listen, type Listening } from './listen.js';
import type { OpsRoutes } from './ops-routes.js';

export type OpsServer = Listening;

/**
 * Health, readiness and metrics on PORT for processes that take no Slack HTTP requests: workers,
 * and web processes in Socket Mode.
 */
export async function startOpsServer(port: number, routes: OpsRoutes, logger: Logger): Promise<OpsServer> {
  const server = createServer((req, res) => {
    if (!routes(req, res)) res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
  });
  const listening = await listen(server, port, 'PORT');
  logger.info({ port: listening.port }, 'serving /healthz, /readyz and /metrics');
  return listening;
}
