import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Workers } from '../jobs/workers.js';
import { AuditTrail } from '../src/audit/audit-trail.js';
import type { Config } from '../src/config/config.js';
import { warnWithoutPersistence } from '../src/audit/redis-persistence.js';
import { loadSigningKey } from '../src/evidence/pack-signing.js';
import type { Logger } from '../src/logger.js';
import { createMetrics, type Metrics } from '../src/metrics/metrics.js';
import { registerQueueDepth } from '../src/metrics/queue-depth.js';
import { healthRoutes, metricsRoute } from '../src/ops/ops-routes.js';
import { startOpsServer, type OpsServer } from '../src/ops/ops-server.js';
import type { QueueDashboard } from '../src/ops/queue-dashboard.js';
import { readiness } from '../src/ops/readiness.js';
import { plannedSystems } from '../src/runs/planned-systems.js';
import type { ConnectContext, ConnectedSystem } from '../src/connectors/system.js';
import { QUEUES } from '../src/queue/queue-names.js';
import { configuredSecrets, registerSecretShapes, registerSecrets } from '../src/redact.js';
import { createRedis, Keys } from '../src/redis.js';
import { PendingTimers } from '../src/requests/pending-timers.js';
import { RequestStore } from '../src/requests/request-store.js';
import { RequestLock } from '../src/request-lock.js';
import { DeletionSchedule } from '../src/runs/deletion-schedule.js';
import { RescanSchedule } from '../src/runs/rescan-schedule.js';
import { RunStarter } from '../src/runs/run-starter.js';
import { createSlackClient } from '../src/slack/slack-client.js';
import { checkBotToken } from '../src/slack/bot-scopes.js';
import { SlackDirectory } from '../src/slack/slack-directory.js';
import { SlackOutbox } from '../src/slack/slack-outbox.js';
import type { SlackServer } from '../src/slack/slack-server.js';
import type { BotParts, Queues } from './parts.js';

export interface OffboardBot {
  /** The HTTP port Slack talks to, when this process runs the web part. */
  port?: number;
  /** Where /healthz and /readyz answer, in every role: the Slack port in HTTP mode, else an ops server on PORT. */
  opsPort: number;
  /** Where /metrics answers: OFFBOARD_METRICS_PORT, never the port Slack posts to. */
  metricsPort: number;
  /** The queue dashboard's port, when OFFBOARD_DASHBOARD_PORT is set. */
  dashboardPort?: number;
  metrics: Metrics;
  /**
   * Resolves once every Slack request this process has taken is answered and its listeners have
   * finished the work they do after answering (at once in a worker, which takes none).
   */
  settled(): Promise<void>;
  /** Graceful: stop taking requests, let the listeners of those taken and the active jobs finish, close connections. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  processBeforeResponse?: boolean;
}

/** Builds the bot from its configuration and starts the parts OFFBOARD_ROLE asks for. */
export async function startOffboardBot(config: Config, { logger, processBeforeResponse }: StartOptions): Promise<OffboardBot> {
  registerSecrets([...configuredSecrets(config), ...config.systems.flatMap((s) => s.settings.secrets)]);
  registerSecretShapes(config.systems.map((s) => s.module.secretShapes));
  logger.info({ systems: config.systems.map((s) => ({ system: s.module.id, ...s.settings.summary })) }, 'systems switched on');
  const metrics = createMetrics();
  const slack = createSlackClient(config.slack, metrics);
  // Before Redis is connected: a start refused here leaves nothing open.
  const bot = await checkBotToken(slack, logger);
  const redis = createRedis(config.redisUrl, logger);
  await reachable(redis, config.redisUrl);
  await warnWithoutPersistence(redis, logger);
  // Read at start-up, so a missing or wrong key stops the start instead of the first report.
  const signingKey = config.evidence.signing ? loadSigningKey(config.evidence.signing.file, config.evidence.signing.id) : undefined;
  const keys = new Keys(config.redisPrefix);
  const store = new RequestStore(redis, keys);
  const audit = new AuditTrail(redis, keys);
  const lock = new RequestLock(redis, keys);
  const directory = new SlackDirectory(slack, config.approvers, { shared: { redis, keys }, compliance: config.evidence.compliance });
  // Every process plans (the web one approves), so every process holds the clients; only a worker calls them.
  const systems = connectSystems(config, { metrics, redis, keys });
  const plan = plannedSystems(systems);
  const queues = Object.fromEntries(
    Object.entries(QUEUES).map(([key, name]) => [key, new Queue(name, { connection: redis, prefix: config.redisPrefix })]),
  ) as Queues;
  const producer = new FlowProducer({ connection: redis, prefix: config.redisPrefix });
  // Redis outages are already logged by the shared connection; without a listener they would be printed raw.
  for (const queue of Object.values(queues)) queue.on('error', () => {});
  producer.on('error', () => {});
  const outbox = new SlackOutbox(queues.slack);
  const runs = new RunStarter({ producer, runsQueue: queues.runs, audit, lock, outbox, systems: plan, attempts: config.jobs.attempts });
  const deletions = new DeletionSchedule(queues.runs);
  const rescans = new RescanSchedule(queues.runs, config.jobs.rescanAfterMs);
  const timers = new PendingTimers(queues.pending, config.pending);

  let server: SlackServer | undefined;
  let workers: Workers | undefined;
  const closeQueues = () => Promise.all([...Object.values(queues).map((q) => q.close()), producer.close()]);
  registerQueueDepth(metrics, Object.values(queues));
  const routes = healthRoutes(readiness({ redis, workers: config.role === 'web' ? undefined : () => workers }));
  let ops: OpsServer | undefined;
  let metricsServer: OpsServer | undefined;
  let dashboard: QueueDashboard | undefined;
  try {
    // Every role answers the probes on PORT: beside Slack's endpoint in HTTP mode, else on their own.
    if (config.role === 'worker' || config.slack.appToken) ops = await startOpsServer({ port: config.port, setting: 'PORT', routes, logger });
    metricsServer = await startOpsServer({
      port: config.metrics.port,
      host: config.metrics.host,
      setting: 'OFFBOARD_METRICS_PORT',
      routes: metricsRoute(metrics.registry, logger),
      logger,
    });
    // Bolt, Express and Bull Board are loaded only by the processes that serve them: a worker is smaller without.
    if (config.dashboard)
      dashboard = await (await import('../src/ops/queue-dashboard.js')).startQueueDashboard({
        settings: config.dashboard,
        queues: Object.values(queues),
        logger,
      });
    const parts: BotParts = {
      config,
      logger,
      metrics,
      slack,
      redis,
      keys,
      store,
      audit,
      lock,
      directory,
      systems,
      plan,
      queues,
      outbox,
      runs,
      deletions,
      rescans,
      timers,
    };
    // Bolt and the listeners are loaded only by the processes that serve Slack, the jobs only by those that run them.
    if (config.role !== 'worker') server = await (await import('./web.js')).startWeb(parts, { bot, routes, processBeforeResponse });
    if (config.role !== 'web') workers = await (await import('./worker.js')).startWorker(parts, { signingKey });
  } catch (err) {
    await Promise.allSettled([ops?.close(), metricsServer?.close(), dashboard?.close(), server?.close(), workers?.close(), closeQueues()]);
    redis.disconnect();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    port: server?.port,
    // One of the two serves the ops routes (see above).
    opsPort: (ops?.port ?? server?.port)!,
    metricsPort: metricsServer.port,
    dashboardPort: dashboard?.port,
    metrics,
    settled: async () => {
      await server?.settled();
    },
    // Idempotent: a second call waits for the first.
    stop() {
      stopping ??= (async () => {
        // Bounded: BullMQ's Worker.close() can wait for ever on a connection that is still
        // reconnecting (taskforcesh/bullmq#4656). Left behind, an active job is taken over by
        // another worker once its lock lapses, as when a process is killed.
        const deadline = Date.now() + config.jobs.shutdownTimeoutMs;
        const closed = await within(
          deadline,
          (async () => {
            await server?.close();
            await workers?.close();
            await closeQueues();
            await Promise.all([ops?.close(), metricsServer?.close(), dashboard?.close()]);
          })(),
        );
        if (closed) return void (await within(deadline, redis.quit()));
        logger.warn(
          { timeoutMs: config.jobs.shutdownTimeoutMs },
          'stopping took longer than OFFBOARD_SHUTDOWN_TIMEOUT_MS: leaving the jobs still active for another worker to take over once their lock lapses',
        );
        redis.disconnect();
      })();
      return stopping;
    },
  };
}

/** True when `work` settles before `deadline` (epoch ms); it is left running otherwise. */
async function within(deadline: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Each system's client, built from its settings: nothing is called yet (a worker checks the credentials at its start). */
function connectSystems(config: Config, context: ConnectContext): Map<string, ConnectedSystem> {
  return new Map(config.systems.map(({ module, settings }) => [module.id, { module, settings, client: settings.connect(context) }]));
}

/** Fails fast, naming the setting, instead of hanging on a Redis that is not there. */
async function reachable(redis: Redis, url: string): Promise<void> {
  const shown = url.replace(/\/\/[^@/]*@/, '//***@');
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5_000).unref());
  try {
    await Promise.race([redis.ping(), timeout]);
  } catch (err) {
    redis.disconnect();
    throw new Error(`Cannot reach Redis at ${shown} (${(err as Error).message}): check REDIS_URL`);
  }
}
