import type { Job, Worker } from 'bullmq';
import type { Metrics } from './metrics.js';

/**
 * Records how long each execution of a job took and how it ended: `completed`, `retry` (failed,
 * another attempt is scheduled) or `failed` (no attempts left). BullMQ stamps `finishedOn` only on
 * the final outcome, so a retried attempt is timed up to now.
 */
export function observeWorker(worker: Worker, metrics: Metrics): void {
  const record = (job: Job, outcome: 'completed' | 'retry' | 'failed') => {
    if (!job.processedOn) return;
    const seconds = Math.max(0, ((job.finishedOn ?? Date.now()) - job.processedOn) / 1000);
    metrics.jobDuration.observe({ queue: worker.name, job: job.name, outcome }, seconds);
  };
  worker.on('completed', (job) => record(job, 'completed'));
  worker.on('failed', (job) => {
    if (job) record(job, job.finishedOn ? 'failed' : 'retry');
  });
}
