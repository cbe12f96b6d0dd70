import type { Queue } from 'bullmq';
import { SWEEP_ACTION_JOB, SWEEP_JOB, type SweepActionJobData } from '../../../queue/queue-names.js';

/** What Slack listeners may ask of the sweep: run it now, or disable or enable one key or service ID. Only jobs touch IBM Cloud. */
export class SweepRequests {
  constructor(
    private readonly queue: Queue,
    private readonly attempts: number,
  ) {}

  /** A sweep of every account now; one per account runs at a time, so a second ask while one runs joins it. */
  async runNow(actor: string, at: number): Promise<void> {
    await this.queue.add(
      SWEEP_JOB,
      { actor },
      { jobId: `sweep.now.${at}.${actor}`, attempts: this.attempts, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: true, removeOnFail: 100 },
    );
  }

  /** The same click twice while the first is in hand acts once (the id names the action and its target). */
  async act(data: Omit<SweepActionJobData, 'keys' | 'name' | 'recorded'>): Promise<void> {
    await this.queue.add(SWEEP_ACTION_JOB, data, {
      jobId: `sweep.${data.action}.${data.account}.${data.kind}.${data.id}`,
      attempts: this.attempts,
      backoff: { type: 'exponential', delay: 1_000 },
      removeOnComplete: true,
      removeOnFail: true,
    });
  }
}
