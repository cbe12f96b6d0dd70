import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Keys } from '../redis.js';
import type { OffboardRequest } from '../requests/request.js';
import type { RequestStore } from '../requests/request-store.js';
import { runView } from '../runs/run-view.js';
import { batchChecklistMessage, type BatchMember } from '../slack/blocks/batch-checklist.js';
import { classifySlackError } from '../slack/classify-slack-error.js';
import type { PostedMessages } from '../slack/posted-messages.js';

export interface BatchChecklistPublisherOptions {
  store: RequestStore;
  audit: AuditTrail;
  slack: WebClient;
  posted: PostedMessages;
  redis: Redis;
  keys: Keys;
  /** The approval channel, where the combined checklist is posted. */
  channel: string;
}

const messageAt = (raw: string | null) => (raw ? (JSON.parse(raw) as { channel: string; ts: string }) : undefined);

/**
 * A bulk request's combined checklist in the approval channel, posted once its approval is stored
 * and redrawn from each person's request and trail whenever one of them moves. Runs only inside
 * the batch checklist job (one in flight per bulk request); failures are thrown classified, for
 * BullMQ to retry.
 */
export class BatchChecklistPublisher {
  constructor(private readonly o: BatchChecklistPublisherOptions) {}

  async publish(batchId: string): Promise<void> {
    const { store, audit, slack, posted, redis, keys, channel } = this.o;
    // Nothing runs before the batch is approved: its people's approval messages say where they stand.
    const decision = await store.batchDecision(batchId);
    if (!decision) return;
    const members: BatchMember[] = [];
    for (const id of await store.batchMembers(batchId)) {
      const request = await store.get(id);
      if (!request) continue;
      members.push({ request, view: runView(await audit.read(id)), link: await this.link(batchId, request) });
    }
    const message = batchChecklistMessage(batchId, decision, members);
    const where = messageAt(await redis.get(keys.batchChecklist(batchId)));
    try {
      if (where) {
        await slack.chat.update({ channel: where.channel, ts: where.ts, ...message });
        return;
      }
      const made = await posted.postOnce('batchChecklist', batchId, { channel, ...message });
      await redis.set(keys.batchChecklist(batchId), JSON.stringify({ channel: made.channel, ts: made.ts }));
      // Found from an earlier try: it shows what was rendered then.
      if (made.found) await slack.chat.update({ channel: made.channel, ts: made.ts, ...message });
    } catch (err) {
      throw classifySlackError('bulk request checklist', err);
    }
  }

  /** The permalink of the person's approval message, asked of Slack once and kept. */
  private async link(batchId: string, request: OffboardRequest): Promise<string | undefined> {
    const { redis, keys, slack } = this.o;
    if (!request.approvalMessage) return undefined;
    const kept = await redis.hget(keys.batchLinks(batchId), request.id);
    if (kept) return kept;
    let permalink: string | undefined;
    try {
      permalink = (await slack.chat.getPermalink({ channel: request.approvalMessage.channel, message_ts: request.approvalMessage.ts })).permalink;
    } catch (err) {
      throw classifySlackError('thread link', err);
    }
    if (permalink) await redis.hset(keys.batchLinks(batchId), request.id, permalink);
    return permalink;
  }
}
