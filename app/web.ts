import { registerCommands } from '../commands/index.js';
import { EvidenceDesk } from '../src/evidence/evidence-desk.js';
import { bambooHrSource } from '../src/hr/bamboohr-source.js';
import { HrIntake } from '../src/hr/hr-intake.js';
import { hrRoutes } from '../src/hr/hr-routes.js';
import type { HrSource } from '../src/hr/hr-source.js';
import { standardWebhooksSource } from '../src/hr/standard-webhooks-source.js';
import type { OpsRoutes } from '../src/ops/ops-routes.js';
import { ApprovalRequirements } from '../src/requests/approval-requirements.js';
import { RequestLifecycle } from '../src/requests/request-lifecycle.js';
import { RotationDesk } from '../src/runs/rotation-desk.js';
import { RotationQueue } from '../src/runs/rotation-queue.js';
import { TaskDesk } from '../src/runs/task-desk.js';
import type { BotIdentity } from '../src/slack/bot-scopes.js';
import { type SlackServer, startSlackServer } from '../src/slack/slack-server.js';
import type { BotParts } from './parts.js';
import { featureRoutes } from '../src/connectors/feature-routes.js';
import { featureHosts } from './feature-host.js';

export interface WebOptions {
  bot: BotIdentity;
  /** Health and readiness, served beside Slack's endpoint in HTTP mode. */
  routes: OpsRoutes;
  processBeforeResponse?: boolean;
}

/** The web part: Slack's requests, answered by the listeners in commands/ over the request lifecycle. */
export async function startWeb(parts: BotParts, { bot, routes, processBeforeResponse }: WebOptions): Promise<SlackServer> {
  const { config, logger, store, audit, directory, runs, outbox, deletions, queues, timers, redis, keys } = parts;
  const lifecycle = new RequestLifecycle({
    store,
    audit,
    directory,
    runs,
    outbox,
    deletions,
    previews: queues.previews,
    approvalChannel: config.approvalChannel,
    requirements: new ApprovalRequirements(config.policy, directory),
    timers,
  });
  const evidence = new EvidenceDesk({
    store,
    audit,
    directory,
    compliance: config.evidence.compliance,
    runs: queues.runs,
    attempts: config.jobs.attempts,
  });
  // The switched-on systems' own verbs and buttons, each answered with its system's host.
  const features = featureRoutes([...parts.systems.values()], featureHosts(parts));
  const tasks = new TaskDesk({ audit, store, directory, outbox, revocations: queues.revocations });
  const rotations = new RotationDesk({ audit, store, directory, outbox, jobs: new RotationQueue(queues.runs, config.jobs.attempts) });
  const deps = { lifecycle, store, directory, evidence, tasks, rotations, approvalChannel: config.approvalChannel, features, logger, now: () => new Date() };
  // HR systems that may file requests, each switched on by its secret: one line per source.
  const sources: HrSource[] = [
    ...(config.hr.standard ? [standardWebhooksSource(config.hr.standard.secret, config.hr.standard.name)] : []),
    ...(config.hr.bamboohrSecret ? [bambooHrSource(config.hr.bamboohrSecret)] : []),
  ];
  const intake = new HrIntake({ lifecycle, store, outbox, directory, redis, keys, logger, graceDays: config.hr.graceDays });
  const hooks = hrRoutes(sources, intake, logger);
  if (sources.length) logger.info({ sources: sources.map((s) => s.path) }, 'taking termination events from HR systems');
  return startSlackServer({
    config,
    bot,
    logger,
    processBeforeResponse,
    routes: (req, res) => routes(req, res) || hooks(req, res),
    listeners: (app) => registerCommands(app, deps),
  });
}
