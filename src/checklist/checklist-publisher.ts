import type { WebClient } from '@slack/web-api';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Logger } from '../logger.js';
import type { RequestLock } from '../request-lock.js';
import type { RequestStore } from '../requests/request-store.js';
import { checklistMessage } from '../slack/blocks/checklist-message.js';
import { stepProgress } from './step-progress.js';

/** Renders the checklist from the audit trail and writes it to Slack, one refresh of a request at a time. */
export class ChecklistPublisher {
  constructor(
    private readonly lock: RequestLock,
    private readonly store: RequestStore,
    private readonly audit: AuditTrail,
    private readonly slack: WebClient,
    private readonly logger: Logger,
  ) {}

  /** Never throws: a Slack hiccup must not fail a revocation step; the next refresh catches up. */
  async refresh(requestId: string): Promise<void> {
    try {
      await this.lock.with('checklist', requestId, () => this.render(requestId));
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

}
