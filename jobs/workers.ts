import { UnrecoverableError, Worker, type Job, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { SystemModule } from '../src/connectors/system.js';
import { RetryableError } from '../src/connectors/step-errors.js';
import { observeWorker } from '../src/metrics/observe-worker.js';
import {
  DELIVER_BATCH_SUMMARY_JOB,
  DELIVER_EVIDENCE_JOB,
  EVIDENCE_ROTATION_JOB,
  FINISH_RUN_JOB,
  IDENTIFY_JOB,
  PENDING_JOBS,
  pendingJobDataSchema,
  QUEUES,
  RESCAN_JOB,
  REVIEW_REMINDER_JOB,
  ROTATION_JOB,
  ROTATION_REMIND_JOB,
  rotationReminderDataSchema,
  START_DELETION_JOB,
} from '../src/queue/queue-names.js';
import type { Reconciler } from '../src/runs/reconciler.js';
import type { RunDeps } from '../src/runs/run-deps.js';
import type { StepJob, StepJobDeps } from '../src/runs/step-job.js';
import { retryDelay } from '../src/runs/retry-delay.js';
import { processFeatureJob, type FeatureJobs } from './feature-jobs.js';
import { processRotation } from './rotate-credential.js';
import {
  processDeliverBatchSummary,
  processDeliverEvidence,
  processRotationPack,
  processFinishRun,
  processIdentify,
  processPreview,
  processRescan,
  processSlackOutput,
  processReviewReminder,
  processStartDeletion,
  stepJobsByName,
} from './index.js';

export interface Workers {
  /** True while every worker is running (not closing, not closed). */
  running(): boolean;
  close(): Promise<void>;
}

export interface WorkerSettings {
  concurrency: number;
  /** How long a job's lock lasts without renewal: a dead worker's job is taken over after about this long. */
  lockMs: number;
  /** Every system the configuration knows (`config.modules`): their steps are the processors of the revocations queue. */
  modules: readonly SystemModule<unknown>[];
  /** The switched-on systems' own jobs, by their names on the shared queue (src/connectors/feature-routes.ts). */
  features: FeatureJobs;
}

/** The jobs of a round that are not its steps: finding the person, finishing it, starting a deletion, sending its evidence. */
const RUN_JOBS: Record<string, (job: Job, deps: RunDeps, token?: string) => Promise<void>> = {
  [IDENTIFY_JOB]: processIdentify,
  [FINISH_RUN_JOB]: processFinishRun,
  [START_DELETION_JOB]: processStartDeletion,
  [REVIEW_REMINDER_JOB]: processReviewReminder,
  [RESCAN_JOB]: processRescan,
  [DELIVER_EVIDENCE_JOB]: processDeliverEvidence,
  [EVIDENCE_ROTATION_JOB]: processRotationPack,
  [ROTATION_JOB]: processRotation,
  [DELIVER_BATCH_SUMMARY_JOB]: processDeliverBatchSummary,
};

/** Follow-ups: a request waiting for a decision (its reminders, escalation and expiry), and open rotation tasks' reminders. */
const PENDING: Record<string, (job: Job, deps: RunDeps) => Promise<void>> = {
  [PENDING_JOBS.remind]: (job, deps) => deps.followUp.remind(pendingJobDataSchema.parse(job.data)),
  [PENDING_JOBS.escalate]: (job, deps) => deps.followUp.escalate(pendingJobDataSchema.parse(job.data)),
  [PENDING_JOBS.expire]: (job, deps) => deps.followUp.expire(pendingJobDataSchema.parse(job.data)),
  [ROTATION_REMIND_JOB]: async (job, deps) => {
    const data = rotationReminderDataSchema.parse(job.data);
    await deps.rotations.fire(data);
    // A closing whose new pack was never asked for (the process died between the two) gets it here:
    // nothing is made when the stored pack covers every closing.
    await deps.evidence.rotationClosed(data.requestId);
  },
};

/** BullMQ's wording when a job stalled more often than maxStalledCount allows; nothing of ours ran. */
const STALLED = 'job stalled more than allowable limit';

/** The one place workers are created, given their failure handling, and closed. */
export function startWorkers(connection: Redis, prefix: string, deps: RunDeps, reconciler: Reconciler, cfg: WorkerSettings): Workers {
  const steps = stepJobsByName(cfg.modules);
  const options: WorkerOptions = {
    connection,
    prefix,
    lockDuration: cfg.lockMs,
    stalledInterval: cfg.lockMs,
    settings: {
      // step-job.ts decides the delay and records it in the trail; this hands the same number to BullMQ.
      backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
        err instanceof RetryableError && err.retryAfterMs !== undefined ? err.retryAfterMs : retryDelay(attemptsMade, deps.retry, err),
    },
  };
  const workers = [
    new Worker(
      QUEUES.revocations,
      async (job: Job, token?: string) => {
        const step = steps.get(job.name);
        if (!step) throw new UnrecoverableError(`no processor for job "${job.name}"`);
        await step.process(job, deps, token);
      },
      { ...options, concurrency: cfg.concurrency },
    ),
    // Identifying people and previews mostly wait on the target systems: in a bulk they run as wide as the steps do.
    new Worker(
      QUEUES.runs,
      (job: Job, token?: string) => RUN_JOBS[job.name]?.(job, deps, token) ?? Promise.reject(new UnrecoverableError(`no processor for job "${job.name}"`)),
      { ...options, concurrency: cfg.concurrency },
    ),
    new Worker(QUEUES.previews, (job: Job) => processPreview(job, deps), { ...options, concurrency: cfg.concurrency }),
    new Worker(QUEUES.slack, (job: Job, token?: string) => processSlackOutput(job, deps, token), { ...options, concurrency: cfg.concurrency }),
    new Worker(QUEUES.maintenance, () => reconciler.reconcile().then(() => undefined), { ...options, concurrency: 1 }),
    new Worker(
      QUEUES.pending,
      async (job: Job) => {
        const process = PENDING[job.name];
        if (!process) throw new UnrecoverableError(`no pending-request job called "${job.name}"`);
        await process(job, deps);
      },
      { ...options, concurrency: cfg.concurrency },
    ),
    // The systems' own work (a sweep mostly waits as delayed jobs): a few at a time is plenty.
    ...(cfg.features.size
      ? [new Worker(QUEUES.systems, (job: Job, token?: string) => processFeatureJob(job, cfg.features, token), { ...options, concurrency: 2 })]
      : []),
  ];
  for (const worker of workers) observeWorker(worker, deps.metrics);
  for (const worker of workers) {
    worker.on('failed', (job, err) => {
      deps.logger.warn({ queue: worker.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job attempt failed');
      if (job && worker.name === QUEUES.revocations && err.message === STALLED) void recordStalled(job, steps.get(job.name), deps);
    });
    worker.on('error', (err) => deps.logger.error({ queue: worker.name, err: err.message }, 'worker error'));
  }
  let closing = false;
  return {
    running: () => !closing && workers.every((w) => w.isRunning()),
    // close() lets active jobs finish; anything still queued stays in Redis for the next worker.
    close: async () => {
      closing = true;
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}

/**
 * A step whose workers kept dying under it ends failed in the trail, with the retry path, never
 * "running" for good; what its executions set out to change is accounted for first.
 */
async function recordStalled(job: Job, step: StepJob | undefined, deps: StepJobDeps & Pick<RunDeps, 'logger'>): Promise<void> {
  try {
    if (!step) throw new Error(`no processor for job "${job.name}"`);
    await step.failForGood(
      job,
      deps,
      (executions) =>
        `the worker running it stopped ${executions > 1 ? `${executions} times` : 'repeatedly'} (crash or kill) before it finished; what its executions set out to change is accounted for above`,
    );
  } catch (err) {
    deps.logger.error({ jobId: job.id, err: (err as Error).message }, 'could not record a stalled step; the reconciler will');
  }
}
