import type { WebClient } from '@slack/web-api';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Logger } from '../logger.js';
import type { RunShape } from '../queue/run-flow.js';
import type { OffboardRequest } from '../requests/request.js';
import type { RequestStore } from '../requests/request-store.js';
import type { RequestLock } from '../request-lock.js';
import { approvalMessage } from './blocks/approval-message.js';

/**
 * Posts the approval message, and re-renders it from the request and its trail whenever either
 * changes: one refresh of a request at a time, so a preview rendered before the decision can
 * never put the buttons back after it.
 */
export class ApprovalPublisher {
  constructor(
    private readonly lock: RequestLock,
    private readonly store: RequestStore,
    private readonly audit: AuditTrail,
    private readonly slack: WebClient,
    private readonly channel: string,
    private readonly shape: RunShape,
    private readonly logger: Logger,
  ) {}

  async post(request: OffboardRequest): Promise<void> {
    const posted = await this.slack.chat.postMessage({ channel: this.channel, ...(await this.render(request)) });
    if (posted.ts) await this.store.patch(request.id, { approvalMessage: { channel: posted.channel ?? this.channel, ts: posted.ts } });
  }

  /** Never throws: the message is a view of the request, and the next refresh catches up. */
  async refresh(requestId: string): Promise<void> {
    try {
      await this.lock.with('approval', requestId, async () => {
        const request = await this.store.mustGet(requestId);
        if (!request.approvalMessage) return;
        await this.slack.chat.update({ channel: request.approvalMessage.channel, ts: request.approvalMessage.ts, ...(await this.render(request)) });
      });
    } catch (err) {
      this.logger.warn({ requestId, err: (err as Error).message }, 'could not update the approval message');
    }
  }

  private async render(request: OffboardRequest) {
    const preview = (await this.audit.read(request.id)).findLast((e) => e.type === 'request.previewed');
    return approvalMessage(request, this.shape, preview?.type === 'request.previewed' ? preview.items : undefined);
  }
}
