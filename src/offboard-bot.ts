import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { IBM_CLOUD_PLAN } from '../jobs/index.js';
import { startWorkers, type Workers } from '../jobs/workers.js';
import { AuditTrail } from './audit/audit-trail.js';
import { ChecklistPublisher } from './checklist/checklist-publisher.js';
import type { Config } from './config/config.js';
import { IbmCloudClient } from './connectors/ibm-cloud/ibm-cloud-client.js';
import { EvidencePublisher } from './evidence/evidence-publisher.js';
import type { Logger } from './logger.js';
import { describeRun } from './queue/run-flow.js';
import { QUEUES } from './queue/queue-names.js';
import { createRedis, Keys } from './redis.js';
import { RequestLifecycle } from './requests/request-lifecycle.js';
import { RequestStore } from './requests/request-store.js';
import { RequestLock } from './request-lock.js';
import { RunStarter } from './runs/run-starter.js';
import { createSlackClient } from './slack/slack-client.js';
import { ApprovalPublisher } from './slack/approval-publisher.js';
import { SlackDirectory } from './slack/slack-directory.js';
import { startSlackServer, type SlackServer } from './slack/slack-server.js';

export interface OffboardBot {
  /** The HTTP port Slack talks to, when this process runs the web part. */
  port?: number;
  /** Graceful: stop taking requests, let active jobs finish, close connections. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  processBeforeResponse?: boolean;
}

/** Builds the bot from its configuration and starts the parts OFFBOARD_ROLE asks for. */
export async function startOffboardBot(config: Config, { logger, processBeforeResponse }: StartOptions): Promise<OffboardBot> {
  const redis = createRedis(config.redisUrl, logger);
  await reachable(redis, config.redisUrl);
  const keys = new Keys(config.redisPrefix);
  const store = new RequestStore(redis, keys);
  const audit = new AuditTrail(redis, keys);
  const slack = createSlackClient(config.slack);
  const lock = new RequestLock(redis, keys);
  const checklist = new ChecklistPublisher(lock, store, audit, slack, logger);
  const directory = new SlackDirectory(slack, config.approvers);
  const scopes = config.ibm.accountIds;
  const approvals = new ApprovalPublisher(lock, store, audit, slack, config.approvalChannel, describeRun(IBM_CLOUD_PLAN, scopes), logger);

  let server: SlackServer | undefined;
  let producer: FlowProducer | undefined;
  let previews: Queue | undefined;
  let workers: Workers | undefined;
  try {
    if (config.role !== 'worker') {
      producer = new FlowProducer({ connection: redis, prefix: config.redisPrefix });
      previews = new Queue(QUEUES.previews, { connection: redis, prefix: config.redisPrefix });
      const runs = new RunStarter(producer, audit, checklist, IBM_CLOUD_PLAN, scopes, config.jobs.attempts);
      const lifecycle = new RequestLifecycle(store, audit, directory, slack, runs, approvals, previews, config.approvalChannel, logger);
      server = await startSlackServer({
        config,
        logger,
        processBeforeResponse,
        deps: { lifecycle, store, directory, approvalChannel: config.approvalChannel, logger, now: () => new Date() },
      });
    }
    if (config.role !== 'web') {
      const ibm = new IbmCloudClient(config.ibm);
      await ibm.checkCredentials();
      const deps = {
        store,
        audit,
        checklist,
        evidence: new EvidencePublisher(store, audit, slack, directory),
        ibm,
        approvals,
        scopes,
        verify: { timeoutMs: config.jobs.verifyTimeoutMs, intervalMs: config.jobs.verifyIntervalMs },
        retryBaseMs: config.jobs.retryDelayMs,
        logger,
      };
      workers = startWorkers(redis, config.redisPrefix, deps, config.jobs.concurrency);
      logger.info({ concurrency: config.jobs.concurrency, accounts: config.ibm.accountIds.length }, 'workers started');
    }
  } catch (err) {
    await Promise.allSettled([server?.close(), workers?.close(), producer?.close(), previews?.close()]);
    redis.disconnect();
    throw err;
  }

  return {
    port: server?.port,
    async stop() {
      await server?.close();
      await workers?.close();
      await producer?.close();
      await previews?.close();
      await redis.quit();
    },
  };
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
