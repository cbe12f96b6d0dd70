import { describeDisposition, REASONS, type OffboardRequest } from '../../requests/request.js';
import { escapeText, slackDate, user } from './block-kit.js';

/** The facts an approver needs, in the order they read them. */
export function requestFacts(r: OffboardRequest): string[] {
  return [
    `*Person leaving:* ${user(r.subject.slackUserId)} (${escapeText(r.subject.email)})`,
    `*Reason:* ${REASONS[r.reason]}`,
    `*Access ends:* ${r.effectiveAt ? slackDate(r.effectiveAt) : 'as soon as approved'}`,
    `*Afterwards:* ${r.reason === 'role_change' ? 'Role change: access is removed, the person and their accounts stay, nothing is deleted' : describeDisposition(r.disposition)}`,
    `*Takes over resources and data:* ${r.successorSlackUserId ? user(r.successorSlackUserId) : 'nobody (nothing is kept)'}`,
    `*Ticket:* ${escapeText(r.ticket)}`,
    `*Requested by:* ${user(r.requester.slackUserId)}`,
    ...(r.notes ? [`*Notes:* ${escapeText(r.notes)}`] : []),
  ];
}
