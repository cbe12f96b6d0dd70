import type { AuditTrail } from '../audit/audit-trail.js';
import { escapeText } from '../slack/blocks/block-kit.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';
import { describeWait, type PendingTimers } from './pending-timers.js';
import type { RequestStore } from './request-store.js';

export interface PendingFollowUpDeps {
  store: RequestStore;
  audit: AuditTrail;
  outbox: SlackOutbox;
  timers: PendingTimers;
  approvalChannel: string;
}

/**
 * What happens to a request nobody decides: its approvers are reminded (each wait twice the one
 * before), it is escalated, and it expires; the requester is told at each step. A follow-up that
 * finds the request decided does nothing, and each is recorded once however often its job runs.
 */
export class PendingFollowUp {
  constructor(private readonly deps: PendingFollowUpDeps) {}

  async remind(requestId: string, n: number): Promise<void> {
    const { store, audit, outbox, timers } = this.deps;
    const request = await store.get(requestId);
    if (request?.status !== 'pending') return;
    const waited = describeWait(timers.remindedAfterMs(n));
    await audit.appendOnce(requestId, `pending:remind:${n}`, { type: 'request.reminded', reminder: n });
    await outbox.alert(
      requestId,
      `remind-${n}`,
      `:bell: Reminder: request *${requestId}* to offboard ${escapeText(request.subject.name)} has waited ${waited} for a decision.`,
    );
    await outbox.notify(
      requestId,
      `reminded-${n}`,
      request.requester.slackUserId,
      `Your request *${requestId}* to offboard ${escapeText(request.subject.name)} has waited ${waited} for a decision: the approvers were reminded.`,
    );
    await timers.remind(request, n + 1);
  }

  async escalate(requestId: string): Promise<void> {
    const { store, audit, outbox, timers, approvalChannel } = this.deps;
    const request = await store.get(requestId);
    const to = timers.timing.escalation;
    if (request?.status !== 'pending' || !to) return;
    const waited = describeWait(timers.timing.escalateAfterMs);
    await audit.appendOnce(requestId, 'pending:escalate', { type: 'request.escalated', to: to.id });
    // A user group is called on in the approval channel, where the request is; a channel is written to.
    const where = to.kind === 'usergroup' ? approvalChannel : to.id;
    const who = to.kind === 'usergroup' ? `<!subteam^${to.id}> ` : '';
    await outbox.notify(
      requestId,
      'escalated',
      where,
      `${who}:rotating_light: Request *${requestId}* to offboard ${escapeText(request.subject.name)} has waited ${waited} without a decision; it is decided in <#${approvalChannel}>.`,
    );
    await outbox.notify(
      requestId,
      'escalated-requester',
      request.requester.slackUserId,
      `Your request *${requestId}* has waited ${waited} without a decision: it was escalated to ${to.kind === 'usergroup' ? `<!subteam^${to.id}>` : `<#${to.id}>`}.`,
    );
  }

  async expire(requestId: string): Promise<void> {
    const { store, audit, outbox, timers } = this.deps;
    const waited = describeWait(timers.timing.expireAfterMs);
    const at = new Date().toISOString();
    const { applied, request } = await store.patch(
      requestId,
      { status: 'expired', ended: { outcome: 'expired', at, reason: `no decision within ${waited}` } },
      ['pending'],
    );
    // Expired by an earlier run of this job that stopped part-way: what it did not finish is done now.
    if (!applied && request.status !== 'expired') return;
    await audit.appendOnce(requestId, 'pending:expire', { type: 'request.expired', afterMs: timers.timing.expireAfterMs });
    await timers.clear(requestId);
    await outbox.refreshApproval(requestId);
    await outbox.notify(
      requestId,
      'expired',
      request.requester.slackUserId,
      `Your request *${requestId}* to offboard ${escapeText(request.subject.name)} expired: nobody decided within ${waited}. Submit it again if it is still needed.`,
    );
  }
}
