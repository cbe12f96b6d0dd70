import { REASONS, type OffboardRequest } from '../../requests/request.js';
import { redact } from '../../redact.js';
import { escape, slackDate, user } from './block-kit.js';

/** The facts an approver needs, in the order they read them. */
export function requestFacts(r: OffboardRequest): string[] {
  return [
    `*Person leaving:* ${user(r.subject.slackUserId)} (${escape(r.subject.email)})`,
    `*Reason:* ${REASONS[r.reason]}`,
    `*Access ends:* ${r.effectiveAt ? slackDate(r.effectiveAt) : 'as soon as approved'}`,
    `*Afterwards:* ${dispositionText(r)}`,
    `*Takes over resources and data:* ${r.successorSlackUserId ? user(r.successorSlackUserId) : 'nobody (nothing is kept)'}`,
    `*Ticket:* ${escape(redact(r.ticket))}`,
    `*Requested by:* ${user(r.requester.slackUserId)}`,
    ...(r.notes ? [`*Notes:* ${escape(redact(r.notes))}`] : []),
  ];
}

export function dispositionText(r: OffboardRequest): string {
  return r.disposition.kind === 'delete_now' ? 'delete now' : `disable now, delete after ${r.disposition.graceDays} days`;
}
