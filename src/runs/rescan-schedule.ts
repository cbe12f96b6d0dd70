import type { Queue } from 'bullmq';
import type { Phase } from '../audit/audit-event.js';
import { RESCAN_JOB } from '../queue/queue-names.js';
import { rescanJobId } from './rescan.js';

/** The re-scans after a phase: one delayed job per interval, with fixed ids so they are scheduled once and cancelled by id. */
export class RescanSchedule {
  constructor(
    private readonly runsQueue: Queue,
    private readonly intervalsMs: readonly number[],
  ) {}

  async schedule(requestId: string, phase: Phase): Promise<void> {
    for (const afterMs of this.intervalsMs) {
      await this.runsQueue.add(
        RESCAN_JOB,
        { requestId, phase, afterMs },
        {
          jobId: rescanJobId(requestId, phase, afterMs),
          delay: afterMs,
          attempts: 25,
          backoff: { type: 'offboard' },
          removeOnComplete: { age: 90 * 24 * 3600 },
        },
      );
    }
  }

  /** Drops those still waiting (a reinstatement); one already running finds the request reinstated and stops. */
  async cancel(requestId: string, phase: Phase): Promise<void> {
    for (const afterMs of this.intervalsMs) {
      const job = await this.runsQueue.getJob(rescanJobId(requestId, phase, afterMs));
      if (job && (await job.isDelayed())) await job.remove();
    }
  }
}
