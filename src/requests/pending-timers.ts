import type { Queue } from 'bullmq';
import { PENDING_JOBS } from '../queue/queue-names.js';
import type { OffboardRequest } from './request.js';

/** When a waiting request is reminded, escalated and expired, counted from its submission. */
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

const ids = (requestId: string) => ({
  remind: (n: number) => `${requestId}.remind.${n}`,
  escalate: `${requestId}.escalate`,
  expire: `${requestId}.expire`,
});

/**
 * The follow-ups of a request waiting for a decision, as delayed jobs with fixed ids on their own
 * queue: they survive restarts, are scheduled once however often asked, and are removed by id when
 * the request is decided. A follow-up that fires anyway (removed too late) finds the request decided
 * and does nothing.
 */
export class PendingTimers {
  constructor(
    private readonly queue: Queue,
    readonly timing: PendingTiming,
    private readonly now: () => number = Date.now,
  ) {}

  /** Schedules the first reminder, the escalation (when one is configured) and the expiry. */
  async start(request: OffboardRequest): Promise<void> {
    const created = Date.parse(request.createdAt);
    await this.remind(request, 1);
    if (this.timing.escalation && this.timing.escalateAfterMs < this.timing.expireAfterMs)
      await this.add(PENDING_JOBS.escalate, ids(request.id).escalate, { requestId: request.id }, created + this.timing.escalateAfterMs);
    await this.add(PENDING_JOBS.expire, ids(request.id).expire, { requestId: request.id }, created + this.timing.expireAfterMs);
  }

  /** Schedules reminder `n` (the first after remindAfterMs, each next after twice the wait before), unless it would come after the expiry. */
  async remind(request: OffboardRequest, n: number): Promise<void> {
    const at = Date.parse(request.createdAt) + this.remindedAfterMs(n);
    if (n > MAX_REMINDERS || at >= Date.parse(request.createdAt) + this.timing.expireAfterMs) return;
    await this.add(PENDING_JOBS.remind, ids(request.id).remind(n), { requestId: request.id, reminder: n }, at);
  }

  /** How long after submission reminder `n` comes: 1, 3, 7… times the first wait. */
  remindedAfterMs(n: number): number {
    return this.timing.remindAfterMs * (2 ** n - 1);
  }

  /** Removes every follow-up still waiting: the request is decided. */
  async clear(requestId: string): Promise<void> {
    const of = ids(requestId);
    const all = [of.escalate, of.expire, ...Array.from({ length: MAX_REMINDERS }, (_, i) => of.remind(i + 1))];
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
