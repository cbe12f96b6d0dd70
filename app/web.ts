import { registerCommands } from '../commands/index.js';
import { EvidenceDesk } from '../src/evidence/evidence-desk.js';
import type { OpsRoutes } from '../src/ops/ops-routes.js';
import { RequestLifecycle } from '../src/requests/request-lifecycle.js';
import { TaskDesk } from '../src/runs/task-desk.js';
import type { BotIdentity } from '../src/slack/bot-scopes.js';
import { type SlackServer, startSlackServer } from '../src/slack/slack-server.js';
import type { BotParts } from './parts.js';

export interface WebOptions {
  bot: BotIdentity;
  /** Health and readiness, served beside Slack's endpoint in HTTP mode. */
  routes: OpsRoutes;
  processBeforeResponse?: boolean;
}

/** The web part: Slack's requests, answered by the listeners in commands/ over the request lifecycle. */
export async function startWeb(parts: BotParts, { bot, routes, processBeforeResponse }: WebOptions): Promise<SlackServer> {
  const { config, logger, store, audit, directory, runs, outbox, deletions, queues } = parts;
  const lifecycle = new RequestLifecycle({
    store,
    audit,
    directory,
    runs,
    outbox,
    deletions,
    previews: queues.previews,
    approvalChannel: config.approvalChannel,
  });
  const evidence = new EvidenceDesk({
    store,
    audit,
    directory,
    compliance: config.evidence.compliance,
    runs: queues.runs,
    attempts: config.jobs.attempts,
  });
  const tasks = new TaskDesk({ audit, store, directory, outbox, revocations: queues.revocations });
  const deps = { lifecycle, store, directory, evidence, tasks, approvalChannel: config.approvalChannel, logger, now: () => new Date() };
  return startSlackServer({ config, bot, logger, processBeforeResponse, routes, listeners: (app) => registerCommands(app, deps) });
}
