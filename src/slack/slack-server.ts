import { createServer, type IncomingMessage, type Server } from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import { registerCommands } from '../../commands/index.js';
import type { CommandDeps } from '../../commands/deps.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { boltLogger } from './bolt-logger.js';

export const EVENTS_PATH = '/slack/events';
/** Bolt refuses timestamps older than five minutes; we refuse ones as far in the future too. */
const MAX_CLOCK_SKEW_S = 300;

export interface SlackServer {
  port: number;
  close(): Promise<void>;
}

export interface SlackServerOptions {
  config: Config;
  deps: CommandDeps;
  logger: Logger;
  /** Answer Slack only after listeners finish (FaaS, deterministic tests). */
  processBeforeResponse?: boolean;
}

/**
 * Bolt's HTTPReceiver behind our own HTTP server, which adds a health check and refuses
 * requests stamped in the future before Bolt checks the signature.
 */
export async function startSlackServer({ config, deps, logger, processBeforeResponse = false }: SlackServerOptions): Promise<SlackServer> {
  const receiver = new HTTPReceiver({
    signingSecret: config.slack.signingSecret,
    endpoints: EVENTS_PATH,
    processBeforeResponse,
    logger: boltLogger(logger),
  });
  const app = new App({
    token: config.slack.botToken,
    receiver,
    clientOptions: { slackApiUrl: config.slack.apiUrl },
    logger: boltLogger(logger),
    deferInitialization: true,
  });
  registerCommands(app, deps);
  app.error(async (err) => {
    logger.error({ err: err.message, code: err.code }, 'Slack listener failed');
  });
  try {
    await app.init();
  } catch (err) {
    throw new Error(`Slack refused SLACK_BOT_TOKEN when checking it with auth.test (${(err as Error).message})`);
  }

  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (stampedInFuture(req)) {
      logger.warn({ path: req.url }, 'refused a Slack request stamped in the future');
      res.writeHead(401).end();
      return;
    }
    receiver.requestListener(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, '0.0.0.0', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  logger.info({ port, path: EVENTS_PATH }, 'listening for Slack');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function stampedInFuture(req: IncomingMessage): boolean {
  const ts = Number(req.headers['x-slack-request-timestamp']);
  return Number.isFinite(ts) && ts - Date.now() / 1000 > MAX_CLOCK_SKEW_S;
}
