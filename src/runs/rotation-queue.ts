import type { Queue } from 'bullmq';
import { queueRotationPack } from '../evidence/evidence-delivery.js';
import { ROTATION_JOB, type RotationJobData } from '../queue/queue-names.js';

/** Where a rotation task's work is queued: what the desk needs, so a test can see what it asked for. */
export interface RotationJobs {
  /** Queues the work; the same work of the same task while one is queued adds nothing. */
  queue(data: RotationJobData, code: string): Promise<void>;
  /** A task was closed (`closed`: how many are closed now): the round's pack is made again, once per closing. */
  repack(requestId: string, closed: number): Promise<void>;
}

/** The work's job id: the request, the task's code, the work and the Switched it follows. */
export const rotationJobId = (data: RotationJobData, code: string) => `${data.requestId}.rotate.${code}.${data.work}${data.attempt ? `.${data.attempt}` : ''}`;

/**
 * The bot's rotation work as jobs on the runs queue, with ids fixed by the task's code and the work
 * (and the Switched it follows): two clicks queue one job, and a click after a crash queues again
 * what the crash lost.
 */
export class RotationQueue implements RotationJobs {
  /** Whether the work is queued (waiting, delayed or running). */
  async queued(data: RotationJobData, code: string): Promise<boolean> {
    return (await this.runsQueue.getJob(rotationJobId(data, code))) !== undefined;
  }

  constructor(
    private readonly runsQueue: Queue,
    /** How often a job is tried before its failure is recorded (OFFBOARD_JOB_ATTEMPTS). */
    private readonly attempts: number,
  ) {}

  async queue(data: RotationJobData, code: string): Promise<void> {
    const jobId = rotationJobId(data, code);
    await this.runsQueue.add(ROTATION_JOB, data, { jobId, attempts: this.attempts, backoff: { type: 'offboard' }, removeOnComplete: true, removeOnFail: true });
  }

  async repack(requestId: string, closed: number): Promise<void> {
    await queueRotationPack(this.runsQueue, { requestId, closed }, this.attempts);
  }
}
