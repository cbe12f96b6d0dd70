import type { Queue } from 'bullmq';
import { REVIEW_REMINDER_JOB, START_DELETION_JOB } from '../queue/queue-names.js';

const jobId = (requestId: string) => `${requestId}.deletion`;
const reminderId = (requestId: string) => `${requestId}.deletion-review`;

/** How long before the deletion its approvers are reminded of a review it still waits for. */
export const REVIEW_REMINDER_BEFORE_MS = 24 * 3600 * 1000;

/**
 * The deletion at the end of a grace period: one delayed job per request with a fixed id, so it
 * survives restarts, is scheduled once however often a disable round finishes, and can be brought
 * forward or cancelled by id.
 */
export class DeletionSchedule {
  constructor(private readonly runsQueue: Queue) {}

  async schedule(requestId: string, at: Date, now = Date.now(), { reviews = false }: { reviews?: boolean } = {}): Promise<void> {
    // Its steps wait for a review: a day before, the approvers hear of any nobody has made (the job looks then).
    if (reviews && at.getTime() - REVIEW_REMINDER_BEFORE_MS > now)
      await this.runsQueue.add(
        REVIEW_REMINDER_JOB,
        { requestId },
        {
          jobId: reminderId(requestId),
          delay: at.getTime() - REVIEW_REMINDER_BEFORE_MS - now,
          removeOnComplete: { age: 90 * 24 * 3600 },
          attempts: 25,
          backoff: { type: 'offboard' },
        },
      );
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
    for (const id of [jobId(requestId), reminderId(requestId)]) {
      const job = await this.runsQueue.getJob(id);
      if (job && (await job.isDelayed())) await job.remove();
    }
  }
}
