import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { Keys } from '../redis.js';
import { classifySlackError } from './classify-slack-error.js';

/** The messages a request has one of, named in the metadata each carries. */
export const POSTED_KINDS = {
  approval: 'offboard_approval',
  checklist: 'offboard_checklist',
  handover: 'offboard_handover',
  /** A bulk request's combined checklist: its "request id" is the batch id. */
  batchChecklist: 'offboard_batch_checklist',
} as const;
/** One of ours, or a system feature's own kind, `<system id>.<kind>` (FeatureHost.postOnce), whose "request id" is the feature's. */
export type PostedKind = keyof typeof POSTED_KINDS | `${string}.${string}`;

/** The metadata event type of a kind: Slack takes letters, digits and underscores. */
const eventType = (kind: PostedKind) =>
  kind in POSTED_KINDS ? POSTED_KINDS[kind as keyof typeof POSTED_KINDS] : `offboard_${kind.replace(/[^A-Za-z0-9]+/g, '_')}`;

/** How long a started post is remembered: far beyond any retry of the job that posts it. */
const MARK_TTL_S = 7 * 24 * 3600;
/** Slack's and our clocks may differ; the search of a channel starts this much before the mark. */
const CLOCK_SLACK_S = 60;
const PAGE = 200;
/** Slack refuses the search itself: the message is posted again, as it was before the search existed. */
const SEARCH_REFUSED = new Set(['missing_scope', 'not_in_channel', 'channel_not_found', 'thread_not_found']);

export interface MessageToPost {
  channel: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
}

export interface Posted {
  channel: string;
  ts: string;
  /** Found in Slack from an earlier try, so what it shows may be older than `message`. */
  found: boolean;
}

export interface PostedMessagesOptions {
  slack: WebClient;
  redis: Redis;
  keys: Keys;
  logger?: Logger;
}

/**
 * Posts a request's one message of a kind once, across a crash or a lost answer: Slack has no
 * idempotency key, so each post carries the request id in its metadata, and a try that follows one
 * which may have reached Slack (marked in Redis before posting) first looks for that message in the
 * channel or the thread. The first try of each post costs no extra call.
 */
export class PostedMessages {
  private searchRefusedLogged = false;

  private readonly slack: WebClient;
  private readonly redis: Redis;
  private readonly keys: Keys;
  private readonly logger?: Logger;

  constructor({ slack, redis, keys, logger }: PostedMessagesOptions) {
    this.slack = slack;
    this.redis = redis;
    this.keys = keys;
    this.logger = logger;
  }

  async postOnce(kind: PostedKind, requestId: string, message: MessageToPost): Promise<Posted> {
    const markKey = this.keys.posting(kind, requestId);
    const marked = await this.redis.get(markKey);
    if (marked !== null) {
      const found = await this.find(kind, requestId, message, Number(marked));
      if (found) return { ...found, found: true };
    } else {
      await this.redis.set(markKey, String(Date.now()), 'EX', MARK_TTL_S);
    }
    try {
      const posted = await this.slack.chat.postMessage({
        ...message,
        metadata: { event_type: eventType(kind), event_payload: { request_id: requestId } },
      } as Parameters<WebClient['chat']['postMessage']>[0]);
      if (!posted.ts) throw new Error('Slack returned no message ts');
      return { channel: posted.channel ?? message.channel, ts: posted.ts, found: false };
    } catch (err) {
      throw classifySlackError(`${kind} message of ${requestId}`, err);
    }
  }

  /** Our message of this kind about this request, following every page; exact match on both. */
  private async find(kind: PostedKind, requestId: string, where: MessageToPost, markedAtMs: number): Promise<{ channel: string; ts: string } | undefined> {
    const type = eventType(kind);
    let cursor: string | undefined;
    try {
      do {
        const page = where.thread_ts
          ? await this.slack.conversations.replies({ channel: where.channel, ts: where.thread_ts, include_all_metadata: true, limit: PAGE, cursor })
          : await this.slack.conversations.history({
              channel: where.channel,
              oldest: String(Math.floor(markedAtMs / 1000) - CLOCK_SLACK_S),
              include_all_metadata: true,
              limit: PAGE,
              cursor,
            });
        for (const m of (page.messages ?? []) as { ts?: string; metadata?: { event_type?: string; event_payload?: { request_id?: unknown } } }[]) {
          if (m.ts && m.ts !== where.thread_ts && m.metadata?.event_type === type && m.metadata.event_payload?.request_id === requestId) {
            return { channel: where.channel, ts: m.ts };
          }
        }
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor);
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      if (!code || !SEARCH_REFUSED.has(code)) throw classifySlackError(`looking for the ${kind} message of ${requestId}`, err);
      if (!this.searchRefusedLogged) {
        this.logger?.warn(
          { error: code },
          'Slack refused to show the bot its earlier messages (add channels:history, groups:history and im:history); a message whose post was interrupted may be posted twice',
        );
        this.searchRefusedLogged = true;
      }
    }
    return undefined;
  }
}
