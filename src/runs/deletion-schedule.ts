import type { Queue } from 'bullmq';
import { START_DELETION_JOB } from '../queue/queue-names.js';

const jobId = (requestId: string) => `${requestId}.deletion`;

/**
 * The deletion at the end of a grace period: one delayed job per request with a fixed id, so it
 * survives restarts, is scheduled once however often a disable round finishes, and can be brought
 * forward or cancelled by id.
 */
export class DeletionSchedule {
  constructor(private readonly runsQueue: Queue) {}

  async schedule(requestId: string, at: Date, now = Date.now()): Promise<void> {
    await this.runsQueue.add(
      START_DELETION_JOB,
      { requestId },
      {
        jobId: jobId(requestId),
        delay: Math.max(0, at.getTime() - now),
        removeOnComplete: { age: 90 * 24 * 3600 },
        attempts: 25,
        backoff: { type: 'offboard' },
      },
    );
  }

  async exists(requestId: string): Promise<boolean> {
    return (await this.runsQueue.getJob(jobId(requestId))) !== undefined;
  }

  /** Starts the deletion now; false when there is no waiting deletion to bring forward. */
  async bringForward(requestId: string): Promise<boolean> {
    const job = await this.runsQueue.getJob(jobId(requestId));
    if (!job || !(await job.isDelayed())) return false;
    await job.promote();
    return true;
  }

  /** Cancels the deletion (a reinstatement); a deletion already starting is stopped by the request's status instead. */
  async cancel(requestId: string): Promise<void> {
    const job = await this.runsQueue.getJob(jobId(requestId));
    if (job && (await job.isDelayed())) await job.remove();
  }
}
