import type { JobsOptions, Queue } from 'bullmq';
import { SLACK_JOBS } from '../queue/queue-names.js';
import { cut, MESSAGE_TEXT_LIMIT } from './blocks/block-kit.js';

/**
 * Until Slack accepts it: a message refresh that keeps failing (Slack down, rate limited for a long
 * time) is retried with capped backoff for about a day before it gives up.
 */
const UNTIL_ACCEPTED: JobsOptions = {
  attempts: 3000,
  backoff: { type: 'offboard' },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** A bulk request's combined checklist is drawn from every one of its requests: not more often than this. */
const BATCH_CHECKLIST_SPACING_MS = 1_000;

/**
 * Everything the bot says in Slack goes through here as a BullMQ job, so nothing on the
 * revocation path or in a listener ever waits for Slack (asking costs one Redis call). A refresh
 * has one deduplication id per request and message: at most one is in flight, a request made
 * meanwhile is kept as the one next job, and that job renders the latest state, so the latest
 * state always wins.
 */
export class SlackOutbox {
  constructor(private readonly queue: Queue) {}

  /** Posts the approval message of a new request (once: the job id is the request's). */
  async announce(requestId: string): Promise<void> {
    await this.queue.add(SLACK_JOBS.announce, { requestId }, { ...UNTIL_ACCEPTED, jobId: `${requestId}.announce`, removeOnComplete: { age: 30 * 24 * 3600 } });
  }

  async refreshApproval(requestId: string): Promise<void> {
    await this.refresh(SLACK_JOBS.approval, requestId);
  }

  /**
   * The checklist job spaces the writes of a running round's progress (see ChecklistPublisher)
   * and waits as a delayed job meanwhile. A refresh wakes a waiting one, so that what must not
   * wait (the round's outcome, the first post) is written at once; a `progress` refresh (a step's
   * own events) joins it instead, so a burst of them is one update and costs no extra wake-up.
   */
  async refreshChecklist(requestId: string, { progress = false } = {}): Promise<void> {
    await this.refresh(SLACK_JOBS.checklist, requestId, { reschedule: !progress });
  }

  /**
   * A bulk request's combined checklist, drawn from its requests: at most one render a second
   * (a refresh asked for meanwhile joins the waiting one), however many of its people progress.
   */
  async refreshBatchChecklist(batchId: string): Promise<void> {
    await this.queue.add(
      SLACK_JOBS.batchChecklist,
      { batchId },
      { ...UNTIL_ACCEPTED, delay: BATCH_CHECKLIST_SPACING_MS, deduplication: { id: `${batchId}.${SLACK_JOBS.batchChecklist}`, keepLastIfActive: true } },
    );
  }

  /**
   * Tells `userId` something about the request; `key` makes the message idempotent (one per
   * decision…). Null: nobody to tell in Slack (a request an HR system filed).
   */
  async notify(requestId: string, key: string, userId: string | null, text: string): Promise<void> {
    if (!userId) return;
    await this.queue.add(
      SLACK_JOBS.notify,
      { requestId, userId, text: cut(text, MESSAGE_TEXT_LIMIT) },
      { ...UNTIL_ACCEPTED, jobId: `${requestId}.notify.${key}`, removeOnComplete: { age: 30 * 24 * 3600 } },
    );
  }

  /** Tells the successor what was handed over to them: once per request (the job id is the request's). */
  async handOver(requestId: string): Promise<void> {
    await this.queue.add(SLACK_JOBS.handover, { requestId }, { ...UNTIL_ACCEPTED, jobId: `${requestId}.handover`, removeOnComplete: { age: 90 * 24 * 3600 } });
  }

  /**
   * Raises an alert about the request where approvers will see it; `key` makes it idempotent.
   * Callers escape what they interpolate from outside (see `escapeText`), as for `notify`.
   */
  async alert(requestId: string, key: string, text: string): Promise<void> {
    // Room for the approvers' mention the alert is posted with.
    await this.queue.add(
      SLACK_JOBS.alert,
      { requestId, text: cut(text, MESSAGE_TEXT_LIMIT - 1000) },
      { ...UNTIL_ACCEPTED, jobId: `${requestId}.alert.${key}`, removeOnComplete: { age: 90 * 24 * 3600 } },
    );
  }

  private async refresh(name: string, requestId: string, { reschedule = false } = {}): Promise<void> {
    await this.queue.add(
      name,
      { requestId },
      { ...UNTIL_ACCEPTED, deduplication: { id: `${requestId}.${name}`, keepLastIfActive: true, ...(reschedule ? { reschedule } : {}) } },
    );
  }
}
