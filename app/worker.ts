import { startWorkers, type Workers } from '../jobs/workers.js';
import { BatchChecklistPublisher } from '../src/checklist/batch-checklist-publisher.js';
import { ChecklistPublisher } from '../src/checklist/checklist-publisher.js';
import { EvidencePublisher } from '../src/evidence/evidence-publisher.js';
import type { SigningKey } from '../src/evidence/pack-signing.js';
import { RECONCILE_JOB } from '../src/queue/queue-names.js';
import { Reconciler } from '../src/runs/reconciler.js';
import { describeRun } from '../src/runs/run-flow.js';
import { ApprovalRequirements } from '../src/requests/approval-requirements.js';
import { BatchDecisions } from '../src/requests/batch-decision.js';
import { PendingFollowUp } from '../src/requests/pending-follow-up.js';
import { ApprovalPublisher } from '../src/slack/approval-publisher.js';
import { HandoverPublisher } from '../src/slack/handover-publisher.js';
import { PostedMessages } from '../src/slack/posted-messages.js';
import type { BotParts } from './parts.js';
import { scheduleFeatures } from '../jobs/feature-jobs.js';
import { featureJobsByName } from '../src/connectors/feature-routes.js';
import { featureHosts } from './feature-host.js';
import { RotationQueue } from '../src/runs/rotation-queue.js';
import { RotationReminders } from '../src/runs/rotation-reminders.js';
import { ReadBackDelays } from '../src/runs/read-back-delays.js';
import { RedisLearnedDelays } from '../src/runs/learned-delays-store.js';

export interface WorkerOptions {
  /** Loaded at start-up, so a missing or wrong key stops the start instead of the first report. */
  signingKey?: SigningKey;
}

/** The worker part: checks the systems accept their credentials, runs the jobs in jobs/, and schedules the reconciler. */
export async function startWorker(parts: BotParts, { signingKey }: WorkerOptions): Promise<Workers> {
  const { config, logger, metrics, slack, redis, keys, store, audit, lock, directory, systems, plan, queues, outbox, runs, deletions, rescans, timers } = parts;
  // A refusal stops the start, naming the setting.
  for (const { settings, client } of systems.values()) await settings.checkStartup(client);
  const posted = new PostedMessages({ slack, redis, keys, logger });
  const delays = new ReadBackDelays(undefined, new RedisLearnedDelays(redis, keys.readBackDelays()), (err) =>
    logger.warn({ err: err.message }, 'could not read or keep how long systems take to show a change: this process learns it on its own'),
  );
  // What the other worker processes (or this one before a restart) learned, before the first step.
  await delays.adopt();
  const deps = {
    store,
    audit,
    checklist: new ChecklistPublisher({ store, audit, slack, posted }),
    batchChecklist: new BatchChecklistPublisher({ store, audit, slack, posted, redis, keys, channel: config.approvalChannel }),
    approvals: new ApprovalPublisher({
      store,
      audit,
      slack,
      posted,
      channel: config.approvalChannel,
      shape: describeRun(plan),
      approvers: directory.describeApprovers(),
      requirements: new ApprovalRequirements(config.policy, directory),
    }),
    handover: new HandoverPublisher({ store, audit, slack, posted }),
    outbox,
    evidence: new EvidencePublisher(
      { store, audit, slack, directory, outbox, metrics, logger, lock, deliveries: { queue: queues.runs, attempts: config.jobs.attempts } },
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
    timers,
    rotations: new RotationReminders({ queue: queues.pending, store, audit, outbox, timing: config.jobs.rotation }),
    followUp: new PendingFollowUp({ store, audit, outbox, timers, approvalChannel: config.approvalChannel }),
    slack,
    directory,
    systems,
    plan,
    verify: { timeoutMs: config.jobs.verifyTimeoutMs, intervalMs: config.jobs.verifyIntervalMs, delays },
    tasks: { remindAfterMs: config.jobs.taskRemindAfterMs },
    retry: { baseMs: config.jobs.retryDelayMs, maxMs: config.jobs.retryMaxDelayMs },
    metrics,
    logger,
  };
  const batches = new BatchDecisions({ store, audit, runs, outbox, timers });
  const rotationWork = new RotationQueue(queues.runs, config.jobs.attempts);
  const reconciler = new Reconciler({ store, audit, runs, outbox, lock, deletions, timers, rotationWork, queues, metrics, logger, batches });
  const workers = startWorkers(redis, config.redisPrefix, deps, reconciler, {
    concurrency: config.jobs.concurrency,
    lockMs: config.jobs.lockMs,
    modules: config.modules,
    // The switched-on systems' own jobs, each with its client and its system's host.
    features: featureJobsByName(systems.values(), featureHosts(parts)),
  });
  try {
    // Once at start-up, to pick up whatever a crash left, then on a schedule shared by every worker process.
    await queues.maintenance.add(RECONCILE_JOB, {}, { removeOnComplete: true, removeOnFail: 100 });
    await queues.maintenance.upsertJobScheduler(
      RECONCILE_JOB,
      { every: config.jobs.reconcileIntervalMs },
      { name: RECONCILE_JOB, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
    await scheduleFeatures(queues.systems, systems.values());
  } catch (err) {
    await workers.close();
    throw err;
  }
  logger.info({ concurrency: config.jobs.concurrency }, 'workers started');
  return workers;
}
