import type { Queue } from 'bullmq';
import { PENDING_JOBS, type PendingJobData } from '../queue/queue-names.js';
import type { OffboardRequest } from './request.js';

/** When a waiting request is reminded, escalated and expired, counted from when its approvers were asked. */
export interface PendingTiming {
  /** The first reminder; each next one waits twice as long as the one before. */
  remindAfterMs: number;
  escalateAfterMs: number;
  expireAfterMs: number;
  /** Where an escalation goes; none, no escalation. */
  escalation?: { kind: 'usergroup' | 'channel'; id: string };
}

/** More reminders than any expiry allows with a first reminder of a second or more (2^31 s is 68 years). */
const MAX_REMINDERS = 31;

/**
 * What one set of follow-ups is about (the job data, less which reminder): a request, as asked the
 * `asked`-th time again; or a bulk request as a whole (`batchId`), whose people are decided by one
 * approval and so are followed up once, not once each.
 */
export type FollowedUp = Omit<PendingJobData, 'reminder'> & { since: string };

/**
 * Whose follow-ups a request's are: its bulk request's, while it waits with the others for their one
 * decision; its own otherwise, and once it was asked again on its own (rescheduled after an approval).
 */
export function followedUpOf(request: OffboardRequest): FollowedUp {
  if (request.reasked) return { requestId: request.id, asked: request.reasked.count, since: request.reasked.at };
  if (request.batch) return { requestId: request.id, batchId: request.batch.id, since: request.createdAt };
  return { requestId: request.id, since: request.createdAt };
}

/** Job ids: the first asking keeps the ids it always had, so jobs queued by earlier versions are found. */
const ids = (of: Omit<FollowedUp, 'since'>) => {
  const prefix = of.batchId ?? (of.asked ? `${of.requestId}.a${of.asked}` : of.requestId);
  return {
    remind: (n: number) => `${prefix}.remind.${n}`,
    escalate: `${prefix}.escalate`,
    expire: `${prefix}.expire`,
  };
};

/**
 * The follow-ups of a request waiting for a decision, as delayed jobs with fixed ids on their own
 * queue: they survive restarts, are scheduled once however often asked, and are removed by id when
 * the request is decided. A follow-up that fires anyway (removed too late, or of an earlier asking)
 * finds the request decided and does nothing.
 */
export class PendingTimers {
  constructor(
    private readonly queue: Queue,
    readonly timing: PendingTiming,
    private readonly now: () => number = Date.now,
  ) {}

  /** Schedules the first reminder, the escalation (when one is configured) and the expiry of the request (or its bulk request). */
  async start(request: OffboardRequest): Promise<void> {
    const of = followedUpOf(request);
    const since = Date.parse(of.since);
    await this.remind(of, 1);
    if (this.timing.escalation && this.timing.escalateAfterMs < this.timing.expireAfterMs)
      await this.add(PENDING_JOBS.escalate, ids(of).escalate, of, since + this.timing.escalateAfterMs);
    await this.add(PENDING_JOBS.expire, ids(of).expire, of, since + this.timing.expireAfterMs);
  }

  /** Schedules reminder `n` (the first after remindAfterMs, each next after twice the wait before), unless it would come after the expiry. */
  async remind(of: FollowedUp, n: number): Promise<void> {
    const since = Date.parse(of.since);
    const at = since + this.remindedAfterMs(n);
    if (n > MAX_REMINDERS || at >= since + this.timing.expireAfterMs) return;
    await this.add(PENDING_JOBS.remind, ids(of).remind(n), { ...of, reminder: n }, at);
  }

  /** How long after the asking reminder `n` comes: 1, 3, 7… times the first wait. */
  remindedAfterMs(n: number): number {
    return this.timing.remindAfterMs * (2 ** n - 1);
  }

  /**
   * Removes every follow-up of the request still waiting: it is decided. A request followed up with
   * its bulk request leaves the bulk request's alone (see clearBatch): the others may still wait.
   */
  async clear(request: OffboardRequest): Promise<void> {
    const of = followedUpOf(request);
    if (!of.batchId) await this.removeWaiting(of);
  }

  /** Removes the follow-ups of a bulk request none of whose people still waits. */
  async clearBatch(batchId: string): Promise<void> {
    await this.removeWaiting({ requestId: batchId, batchId });
  }

  private async removeWaiting(of: Omit<FollowedUp, 'since'>): Promise<void> {
    const these = ids(of);
    const all = [these.escalate, these.expire, ...Array.from({ length: MAX_REMINDERS }, (_, i) => these.remind(i + 1))];
    await Promise.all(
      all.map(async (id) => {
        const job = await this.queue.getJob(id);
        if (job && (await job.isDelayed())) await job.remove();
      }),
    );
  }

  private async add(name: string, jobId: string, data: Record<string, unknown>, at: number): Promise<void> {
    // Kept once done, so asking again (a re-announced request) adds nothing.
    await this.queue.add(name, data, {
      jobId,
      delay: Math.max(0, at - this.now()),
      attempts: 25,
      backoff: { type: 'offboard' },
      removeOnComplete: { age: 30 * 24 * 3600 },
      removeOnFail: { age: 90 * 24 * 3600 },
    });
  }
}

/** "4 h", "7 d", "90 s": a wait as people say it. */
export function describeWait(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
    if (ms >= size * 2) return `${Math.round(ms / size)} ${unit}`;
  }
  return `${Math.round(ms / 1000)} s`;
}
