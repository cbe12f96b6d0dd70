import type { WebClient } from '@slack/web-api';
import type { AuditTrail } from '../audit/audit-trail.js';
import { RetryableError } from '../connectors/step-errors.js';
import type { RunShape } from '../runs/run-flow.js';
import type { ApprovalRequirements } from '../requests/approval-requirements.js';
import { type RunView, runView } from '../runs/run-view.js';
import type { OffboardRequest } from '../requests/request.js';
import { RequestUnreadableError, type RequestStore } from '../requests/request-store.js';
import { type ApprovalProgress, approvalMessage } from './blocks/approval-message.js';
import { classifySlackError } from './classify-slack-error.js';
import type { PostedMessages } from './posted-messages.js';

export interface ApprovalPublisherOptions {
  store: RequestStore;
  audit: AuditTrail;
  slack: WebClient;
  posted: PostedMessages;
  channel: string;
  shape: RunShape;
  /** Who an alert calls on: the approvers, as a Slack mention. */
  approvers?: string;
  /** The approval rules: what a pending request's message says it still needs, and from whom. */
  requirements: ApprovalRequirements;
}

/**
 * Posts the approval message, and re-renders it from the request and its trail whenever either
 * changes. Runs only inside Slack jobs, one in flight per request, so a preview rendered before
 * the decision can never put the buttons back after it.
 */
export class ApprovalPublisher {
  private readonly store: RequestStore;
  private readonly audit: AuditTrail;
  private readonly slack: WebClient;
  private readonly posted: PostedMessages;
  private readonly channel: string;
  private readonly shape: RunShape;
  private readonly approvers: string;
  private readonly requirements: ApprovalRequirements;

  constructor({ store, audit, slack, posted, channel, shape, approvers = '', requirements }: ApprovalPublisherOptions) {
    this.requirements = requirements;
    this.store = store;
    this.audit = audit;
    this.slack = slack;
    this.posted = posted;
    this.channel = channel;
    this.shape = shape;
    this.approvers = approvers;
  }

  /**
   * An alert in the request's thread, broadcast to the channel and mentioning the approvers; about
   * a request that cannot be read (so neither can its thread), in the channel itself.
   */
  async alert(requestId: string, text: string): Promise<void> {
    const { where, request } = await this.alertPlace(requestId);
    const who = request ? await this.calledOn(request) : this.approvers;
    try {
      await this.slack.chat.postMessage({ ...where, text: `${who ? `${who} ` : ''}${text}` });
    } catch (err) {
      throw classifySlackError('alert', err);
    }
  }

  private async alertPlace(
    requestId: string,
  ): Promise<{ where: { channel: string } | { channel: string; thread_ts: string; reply_broadcast: true }; request?: OffboardRequest }> {
    let request: OffboardRequest;
    try {
      request = await this.store.mustGet(requestId);
    } catch (err) {
      if (err instanceof RequestUnreadableError) return { where: { channel: this.channel } };
      throw err;
    }
    if (!request.approvalMessage) throw new RetryableError(`alert about ${requestId}: the approval message is not posted yet`);
    return { where: { channel: request.approvalMessage.channel, thread_ts: request.approvalMessage.ts, reply_broadcast: true as const }, request };
  }

  /**
   * Who an alert calls on: for a request still waiting for its decision, those who can decide it (its
   * rule's approver groups, else the approvers; for a bulk request, those of each person still
   * waiting); once decided, the approvers, who retry, attest and reinstate.
   */
  private async calledOn(request: OffboardRequest): Promise<string> {
    if (request.status !== 'pending') return this.approvers;
    const waiting = request.batch
      ? (await Promise.all((await this.store.batchMembers(request.batch.id)).map((id) => this.store.get(id)))).filter(
          (r): r is OffboardRequest => r?.status === 'pending',
        )
      : [request];
    const mentions = new Set<string>();
    for (const r of waiting.length ? waiting : [request]) {
      const { rule } = await this.requirements.of(r, runView(await this.audit.read(r.id)));
      for (const who of rule.approverGroups?.map((g) => `<!subteam^${g}>`) ?? [this.approvers]) if (who) mentions.add(who);
    }
    return [...mentions].join(' ');
  }

  /** Posts the message once, across a crash or a lost answer (see PostedMessages); a re-run after the post only refreshes it. */
  async post(requestId: string): Promise<OffboardRequest> {
    const request = await this.store.mustGet(requestId);
    if (request.approvalMessage) {
      await this.publish(requestId);
      return request;
    }
    const posted = await this.posted.postOnce('approval', requestId, { channel: this.channel, ...(await this.render(request)) });
    const { request: stored } = await this.store.patch(requestId, { approvalMessage: { channel: posted.channel, ts: posted.ts } });
    // Found from an earlier try: it shows what was rendered then.
    if (posted.found) await this.publish(requestId);
    return stored;
  }

  async publish(requestId: string): Promise<void> {
    const request = await this.store.mustGet(requestId);
    if (!request.approvalMessage) throw new RetryableError(`approval message of ${requestId} is not posted yet`);
    try {
      await this.slack.chat.update({ channel: request.approvalMessage.channel, ts: request.approvalMessage.ts, ...(await this.render(request)) });
    } catch (err) {
      throw classifySlackError('approval message', err);
    }
  }

  private async render(request: OffboardRequest) {
    const view = runView(await this.audit.read(request.id));
    // Once decided the message shows the decision only: Slack need not be asked who may approve.
    const progress = request.status === 'pending' ? await this.progress(request, view) : undefined;
    return approvalMessage(request, this.shape, view.preview, progress);
  }

  /** Where deciding the request stands: approvals of its current terms, those of earlier terms, who else may approve. */
  private async progress(request: OffboardRequest, view: RunView): Promise<ApprovalProgress> {
    const need = await this.requirements.of(request, view);
    const first = new Map<string, { actor: string; at: string }>();
    const earlier = new Set<string>();
    for (const e of view.approvals) {
      if (!need.deciders.includes(e.actor)) continue;
      if (e.digest === need.digest) first.set(e.actor, first.get(e.actor) ?? { actor: e.actor, at: e.at });
      else earlier.add(e.actor);
    }
    const counted = [...first.values()];
    const rejectedBy = [...new Map(view.rejections.map((e) => [e.actor, { actor: e.actor, at: e.at }] as const)).values()];
    return {
      rule: need.rule.name,
      needed: need.rule.approvals,
      typedConfirmation: need.rule.typedConfirmation,
      privileges: need.privileges,
      counted,
      outdated: [...earlier].filter((a) => !first.has(a)),
      others: need.deciders.filter((d) => !first.has(d)),
      rejectionsNeeded: need.rule.rejections,
      rejectedBy,
      ...(need.rule.approverGroups ? { approverGroups: need.rule.approverGroups } : {}),
    };
  }
}
