import type { AuditTrail } from '../audit/audit-trail.js';
import { escapeText } from '../slack/blocks/block-kit.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';
import type { PendingTimers } from './pending-timers.js';
import type { OffboardRequest } from './request.js';
import type { RequestStore } from './request-store.js';

export interface CancelDeps {
  store: RequestStore;
  audit: AuditTrail;
  outbox: SlackOutbox;
  /** The request's reminders, escalation and expiry: a cancelled request has nobody left to remind. */
  timers: Pick<PendingTimers, 'clear'>;
  now?: () => Date;
}

export type Cancelled = { kind: 'cancelled'; request: OffboardRequest } | { kind: 'not_pending'; request: OffboardRequest };

/**
 * Cancels a request that still waits for its decision, for `by` (a person, or the HR system that
 * filed it): the status moves by the store's compare-and-set, so a decision at the same moment
 * either comes first (and nothing is cancelled) or finds it cancelled. The trail records who and
 * why, the approval message loses its buttons, and the request's thread says so. The follow-ups
 * are idempotent and done again when the same canceller asks again, so a crash after the status
 * moved loses none of them (the HR system retries a delivery it got no answer to).
 *
 * Minimal on purpose: cancelling once a run is scheduled, and by people in Slack, is the request
 * lifecycle's (issue 20, section 2).
 */
export async function cancelPendingRequest(deps: CancelDeps, requestId: string, by: string, reason: string): Promise<Cancelled> {
  const at = (deps.now?.() ?? new Date()).toISOString();
  const { applied, request } = await deps.store.patch(requestId, { status: 'cancelled', ended: { outcome: 'cancelled', by, at, reason } }, ['pending']);
  if (!applied && !(request.status === 'cancelled' && request.ended?.by === by)) return { kind: 'not_pending', request };
  await deps.audit.appendOnce(requestId, 'cancelled', { type: 'request.cancelled', actor: by, reason, state: 'pending' });
  await deps.timers.clear(request);
  await deps.outbox.refreshApproval(requestId);
  await deps.outbox.alert(
    requestId,
    'cancelled',
    `:no_entry_sign: *${requestId} was cancelled* by ${escapeText(by)}: ${escapeText(reason)}. Nothing was changed in any system.`,
  );
  await deps.outbox.notify(
    requestId,
    'cancelled',
    request.requester.slackUserId,
    `Your request *${requestId}* to offboard ${escapeText(request.subject.name)} was cancelled by ${escapeText(by)}: ${escapeText(reason)}`,
  );
  return { kind: 'cancelled', request };
}
