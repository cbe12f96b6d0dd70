import { describeCreated, describeDisposition, REASONS, type OffboardRequest } from '../../requests/request.js';
import { escapeText, slackDate, user } from './block-kit.js';

/** The person leaving as Slack shows them, or by name when they have no Slack account. */
export const subjectRef = (s: OffboardRequest['subject']): string => (s.slackUserId ? user(s.slackUserId) : `${escapeText(s.name)} (no Slack account)`);

/** Who asked: a Slack user, or a system by its name ("HR system (BambooHR)"). */
export const requesterRef = (r: OffboardRequest['requester']): string => (r.slackUserId ? user(r.slackUserId) : escapeText(r.name));

/** The facts an approver needs, in the order they read them. */
export function requestFacts(r: OffboardRequest): string[] {
  return [
    `*Person leaving:* ${subjectRef(r.subject)} (${escapeText(r.subject.email)})`,
    `*Reason:* ${REASONS[r.reason]}`,
    `*Access ends:* ${r.effectiveAt ? slackDate(r.effectiveAt) : 'as soon as approved'}`,
    `*Afterwards:* ${r.reason === 'role_change' ? 'Role change: access is removed, the person and their accounts stay, nothing is deleted' : describeDisposition(r.disposition)}`,
    `*Takes over resources and data:* ${r.successorSlackUserId ? user(r.successorSlackUserId) : 'nobody (nothing is kept)'}`,
    ...(r.createdItems ? [`*What they created:* ${createdText(r)}`] : []),
    `*Ticket:* ${escapeText(r.ticket)}`,
    `*Requested by:* ${requesterRef(r.requester)}`,
    // Said before the buttons are used: Approve or Reject on any of their messages decides every pending one.
    ...(r.batch
      ? [
          `*Bulk request:* ${escapeText(r.batch.id)}, ${r.batch.size} people. Approve or Reject on any of their messages decides all of them still waiting, under the strictest rule any needs.`,
        ]
      : []),
    ...(r.notes ? [`*Notes:* ${escapeText(r.notes)}`] : []),
  ];
}

/** The request's choice for what the person created, naming the successor it is handed over to. */
function createdText(r: OffboardRequest): string {
  if (r.reason === 'role_change') return 'stays with them (a role change keeps the person)';
  return r.createdItems === 'hand_over' && r.successorSlackUserId
    ? `Hand over to ${user(r.successorSlackUserId)}`
    : describeCreated(r.createdItems!, r.disposition);
}
