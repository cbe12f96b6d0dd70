import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { RetryableError } from '../src/connectors/step-errors.js';
import { QUEUES } from '../src/queue/queue-names.js';
import type { RunDeps } from '../src/runs/run-deps.js';
import { retryDelay } from '../src/runs/retry-delay.js';
import { processFinishRun, processPreview, STEP_JOBS } from './index.js';

export interface Workers {
  close(): Promise<void>;
}

/** The one place workers are created, given their failure logging, and closed. */
export function startWorkers(connection: Redis, prefix: string, deps: RunDeps, concurrency: number): Workers {
  const settings = {
    // step-job.ts decides the delay and records it in the trail; this hands the same number to BullMQ.
    backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
      err instanceof RetryableError && err.retryAfterMs !== undefined ? err.retryAfterMs : retryDelay(attemptsMade, deps.retryBaseMs, err),
  };
  const options = { connection, prefix, settings };
  const workers = [
    new Worker(
      QUEUES.revocations,
      async (job: Job) => {
        const step = STEP_JOBS.get(job.name);
        if (!step) throw new UnrecoverableError(`no processor for job "${job.name}"`);
        await step.process(job, deps);
      },
      { ...options, concurrency },
    ),
    new Worker(QUEUES.runs, (job: Job) => processFinishRun(job, deps), { ...options, concurrency: 2 }),
    new Worker(QUEUES.previews, (job: Job) => processPreview(job, deps), { ...options, concurrency: 2 }),
  ];
  for (const worker of workers) {
    worker.on('failed', (job, err) => {
      deps.logger.warn({ queue: worker.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job attempt failed');
    });
    worker.on('error', (err) => deps.logger.error({ queue: worker.name, err: err.message }, 'worker error'));
  }
  return {
    // close() lets active jobs finish; anything still queued stays in Redis for the next worker.
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
