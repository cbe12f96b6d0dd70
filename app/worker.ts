import { startWorkers, type Workers } from '../jobs/workers.js';
import { ChecklistPublisher } from '../src/checklist/checklist-publisher.js';
import type { Config } from '../src/config/config.js';
import type { ConnectContext, ConnectedSystem } from '../src/connectors/system.js';
import { EvidencePublisher } from '../src/evidence/evidence-publisher.js';
import type { SigningKey } from '../src/evidence/pack-signing.js';
import { RECONCILE_JOB } from '../src/queue/queue-names.js';
import { Reconciler } from '../src/runs/reconciler.js';
import { describeRun } from '../src/runs/run-flow.js';
import { ApprovalPublisher } from '../src/slack/approval-publisher.js';
import { PostedMessages } from '../src/slack/posted-messages.js';
import type { BotParts } from './parts.js';
import { scheduleSweep } from '../jobs/ibm-sweep.js';
import { ibmCloud } from '../src/connectors/ibm-cloud/system.js';
import type { IbmCloudClient } from '../src/connectors/ibm-cloud/ibm-cloud-client.js';
import { SweepActions } from '../src/connectors/ibm-cloud/sweep/sweep-actions.js';
import type { SweepDeps } from '../src/connectors/ibm-cloud/sweep/sweep-deps.js';
import { SweepMemory } from '../src/connectors/ibm-cloud/sweep/sweep-memory.js';
import { SweepPublisher } from '../src/connectors/ibm-cloud/sweep/sweep-publisher.js';
import { SweepTrail } from '../src/connectors/ibm-cloud/sweep/sweep-trail.js';
import type { PostedMessages as Posted } from '../src/slack/posted-messages.js';

export interface WorkerOptions {
  /** Loaded at start-up, so a missing or wrong key stops the start instead of the first report. */
  signingKey?: SigningKey;
}

/** The worker part: connects the systems, runs the jobs in jobs/, and schedules the reconciler. */
export async function startWorker(parts: BotParts, { signingKey }: WorkerOptions): Promise<Workers> {
  const { config, logger, metrics, slack, redis, keys, store, audit, lock, directory, plan, queues, outbox, runs, deletions, rescans } = parts;
  const systems = await connectSystems(config, { metrics, redis, keys });
  const posted = new PostedMessages({ slack, redis, keys, logger });
  const deps = {
    store,
    audit,
    checklist: new ChecklistPublisher({ store, audit, slack, posted }),
    approvals: new ApprovalPublisher({
      store,
      audit,
      slack,
      posted,
      channel: config.approvalChannel,
      shape: describeRun(plan),
      approvers: directory.describeApprovers(),
    }),
    outbox,
    evidence: new EvidencePublisher(
      { store, audit, slack, directory, outbox, metrics, logger, deliveries: { queue: queues.runs, attempts: config.jobs.attempts } },
      {
        signingKey,
        dir: config.evidence.dir,
        inThread: config.evidence.inThread,
        compliance: config.evidence.compliance,
        onCallingThread: config.role === 'worker',
      },
    ),
    runs,
    deletions,
    rescans,
    slack,
    directory,
    systems,
    plan,
    verify: { timeoutMs: config.jobs.verifyTimeoutMs, intervalMs: config.jobs.verifyIntervalMs },
    retry: { baseMs: config.jobs.retryDelayMs, maxMs: config.jobs.retryMaxDelayMs },
    metrics,
    logger,
  };
  const reconciler = new Reconciler({ store, audit, runs, outbox, lock, deletions, queues, metrics, logger });
  const sweep = sweepDeps(parts, systems, posted);
  const workers = startWorkers(redis, config.redisPrefix, deps, reconciler, { concurrency: config.jobs.concurrency, lockMs: config.jobs.lockMs }, sweep);
  try {
    // Once at start-up, to pick up whatever a crash left, then on a schedule shared by every worker process.
    await queues.maintenance.add(RECONCILE_JOB, {}, { removeOnComplete: true, removeOnFail: 100 });
    await queues.maintenance.upsertJobScheduler(
      RECONCILE_JOB,
      { every: config.jobs.reconcileIntervalMs },
      { name: RECONCILE_JOB, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
    await scheduleSweep(queues.sweep, sweep?.settings);
  } catch (err) {
    await workers.close();
    throw err;
  }
  logger.info({ concurrency: config.jobs.concurrency }, 'workers started');
  return workers;
}

/** Each system's client, once its credentials are accepted: a refusal stops the start, naming the setting. */
async function connectSystems(config: Config, context: ConnectContext): Promise<Map<string, ConnectedSystem>> {
  const connected = new Map<string, ConnectedSystem>();
  for (const { module, settings } of config.systems) {
    const client = settings.connect(context);
    await settings.checkStartup(client);
    connected.set(module.id, { module, settings, client });
  }
  return connected;
}

/** The inactive-identities sweep, when IBM Cloud is switched on: it reads IBM's activity report. */
function sweepDeps(parts: BotParts, systems: Map<string, ConnectedSystem>, posted: Posted): SweepDeps | undefined {
  const ibm = systems.get(ibmCloud.id);
  if (!ibm) return undefined;
  const { config, slack, redis, keys, store, queues, logger } = parts;
  const client = ibm.client as IbmCloudClient;
  const { accounts, sweep: settings } = client.sweepSettings();
  if (!settings) return undefined;
  const trail = new SweepTrail(redis, keys);
  const publisher = new SweepPublisher({
    slack,
    posted,
    redis,
    keys,
    store,
    memory: new SweepMemory(redis, keys),
    trail,
    channel: config.approvalChannel,
    inactiveDays: settings.inactiveDays,
    now: () => Date.now(),
  });
  return {
    client,
    accounts,
    settings,
    queue: queues.sweep,
    publisher,
    actions: new SweepActions(client, trail),
    slack,
    channel: config.approvalChannel,
    attempts: config.jobs.attempts,
    logger,
  };
}
