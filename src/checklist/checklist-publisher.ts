import type { WebClient } from '@slack/web-api';
import type { AuditTrail } from '../audit/audit-trail.js';
import { RetryableError } from '../connectors/step-errors.js';
import type { RequestStore } from '../requests/request-store.js';
import { classifySlackError } from '../slack/classify-slack-error.js';
import { checklistMessage } from '../slack/blocks/checklist-message.js';
import { stepProgress } from './step-progress.js';

/**
 * Renders the checklist from the audit trail and writes it to Slack. Runs only inside the
 * checklist job (one in flight per request), so two renders never race; a failure is thrown,
 * classified, for BullMQ to retry.
 */
export class ChecklistPublisher {
  constructor(
    private readonly store: RequestStore,
    private readonly audit: AuditTrail,
    private readonly slack: WebClient,
  ) {}

  async publish(requestId: string): Promise<void> {
    const [request, trail] = await Promise.all([this.store.mustGet(requestId), this.audit.read(requestId)]);
    if (!request.approvalMessage) throw new RetryableError(`checklist of ${requestId}: the approval message is not posted yet`);
    const message = checklistMessage(request, stepProgress(trail), trail);
    try {
      if (request.checklistMessage) {
        await this.slack.chat.update({ channel: request.checklistMessage.channel, ts: request.checklistMessage.ts, ...message });
        return;
      }
      const posted = await this.slack.chat.postMessage({ channel: request.approvalMessage.channel, thread_ts: request.approvalMessage.ts, ...message });
      if (posted.ts) await this.store.patch(requestId, { checklistMessage: { channel: posted.channel ?? request.approvalMessage.channel, ts: posted.ts } });
    } catch (err) {
      throw classifySlackError('checklist', err);
    }
  }
}
