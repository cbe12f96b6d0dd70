import { createServer } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express from 'express';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { hasBasicCredentials } from './basic-auth.js';
import { listen, type Listening } from './listen.js';

export type QueueDashboard = Listening;

export interface QueueDashboardOptions {
  settings: NonNullable<Config['dashboard']>;
  /** Every queue of the bot. */
  queues: readonly Queue[];
  logger: Logger;
}

/**
 * Bull Board over every queue of the bot, on its own port behind HTTP basic auth. Read-only:
 * retrying or removing a step from here would bypass the approvers' Retry button and the audit trail.
 */
export async function startQueueDashboard({ settings, queues, logger }: QueueDashboardOptions): Promise<QueueDashboard> {
  const board = new ExpressAdapter();
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'Offboard queues' } },
  });
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    if (hasBasicCredentials(req, settings.user, settings.password)) return next();
    res.set('WWW-Authenticate', 'Basic realm="offboard queues", charset="UTF-8"').status(401).type('text/plain').send('authentication required');
  });
  app.use('/', board.getRouter());

  const listening = await listen(createServer(app), settings.port, 'OFFBOARD_DASHBOARD_PORT');
  logger.info({ port: listening.port }, 'queue dashboard listening');
  return listening;
}
