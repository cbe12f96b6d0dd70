import type { WebClient } from '@slack/web-api';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { RequestStore } from '../requests/request-store.js';
import { handedOverItems } from '../runs/handed-over.js';
import { runView } from '../runs/run-view.js';
import { handoverMessage } from './blocks/handover-message.js';
import { classifySlackError } from './classify-slack-error.js';
import type { PostedMessages } from './posted-messages.js';

export interface HandoverPublisherOptions {
  store: RequestStore;
  audit: AuditTrail;
  slack: WebClient;
  posted: PostedMessages;
}

/**
 * Tells the successor, by direct message, what the person created that was handed over to them:
 * rendered from the trail when the job runs, posted once per request (the post carries the request
 * id in its metadata, and a try after one that may have reached Slack looks for it first).
 */
export class HandoverPublisher {
  private readonly store: RequestStore;
  private readonly audit: AuditTrail;
  private readonly slack: WebClient;
  private readonly posted: PostedMessages;

  constructor({ store, audit, slack, posted }: HandoverPublisherOptions) {
    this.store = store;
    this.audit = audit;
    this.slack = slack;
    this.posted = posted;
  }

  /** Posts the message; nothing when the request hands nothing over or names no successor in Slack. */
  async publish(requestId: string): Promise<'posted' | 'nothing'> {
    const request = await this.store.mustGet(requestId);
    const successor = request.successorSlackUserId;
    if (request.createdItems !== 'hand_over' || !successor) return 'nothing';
    const items = handedOverItems(runView(await this.audit.read(requestId)));
    if (!items.length) return 'nothing';
    let channel: string | undefined;
    try {
      channel = (await this.slack.conversations.open({ users: successor })).channel?.id;
    } catch (err) {
      throw classifySlackError('hand-over direct message', err);
    }
    if (!channel) throw new Error(`Slack opened no direct message with ${successor}`);
    await this.posted.postOnce('handover', requestId, { channel, ...handoverMessage(request, items) });
    return 'posted';
  }
}
