import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Logger } from '../logger.js';
import type { Keys } from '../redis.js';
import type { RequestStore } from '../requests/request-store.js';
import { checklistMessage } from '../slack/blocks/checklist-message.js';
import { stepProgress } from './step-progress.js';

const LOCK_TTL_MS = 15_000;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Renders the checklist from the audit trail and writes it to Slack. Refreshes of one request
 * are serialised by a Redis lock held across read-and-write, so a refresh that started
 * earlier can never overwrite one that saw more of the trail.
 */
export class ChecklistPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly store: RequestStore,
    private readonly audit: AuditTrail,
    private readonly slack: WebClient,
    private readonly logger: Logger,
  ) {}

  /** Never throws: a Slack hiccup must not fail a revocation step; the next refresh catches up. */
  async refresh(requestId: string): Promise<void> {
    try {
      await this.withLock(requestId, () => this.render(requestId));
    } catch (err) {
      this.logger.warn({ requestId, err: (err as Error).message }, 'checklist refresh failed');
    }
  }

  private async render(requestId: string): Promise<void> {
    const [request, trail] = await Promise.all([this.store.mustGet(requestId), this.audit.read(requestId)]);
    if (!request.approvalMessage) return;
    const message = checklistMessage(request, stepProgress(trail), trail);
    if (request.checklistMessage) {
      await this.slack.chat.update({ channel: request.checklistMessage.channel, ts: request.checklistMessage.ts, ...message });
      return;
    }
    const posted = await this.slack.chat.postMessage({
      channel: request.approvalMessage.channel,
      thread_ts: request.approvalMessage.ts,
      ...message,
    });
    if (posted.ts) await this.store.patch(requestId, { checklistMessage: { channel: posted.channel ?? request.approvalMessage.channel, ts: posted.ts } });
  }

  private async withLock(requestId: string, fn: () => Promise<void>): Promise<void> {
    const key = this.keys.checklistLock(requestId);
    const token = randomUUID();
    const deadline = Date.now() + LOCK_TTL_MS;
    while ((await this.redis.set(key, token, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error(`checklist lock for ${requestId} still held after ${LOCK_TTL_MS} ms`);
      await sleep(20);
    }
    try {
      await fn();
    } finally {
      await this.redis.eval(RELEASE, 1, key, token);
    }
  }
}
