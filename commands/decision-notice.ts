import type { Decision } from '../src/requests/request-lifecycle.js';
import type { EvidenceAnswer } from '../src/evidence/evidence-desk.js';
import { escapeText } from '../src/slack/blocks/block-kit.js';

/** How many people a notice names before it says how many more. */
const NAMED = 10;

const mention = (ids: readonly string[]) => {
  const named = ids
    .slice(0, NAMED)
    .map((a) => `<@${a}>`)
    .join(', ');
  return ids.length > NAMED ? `${named} and ${ids.length - NAMED} more` : named;
};

/**
 * What to tell a person whose click did not decide the request; `approvers` is a Slack mention of who
 * can. Reasons are plain text (the trail keeps them as they are): escaped here, where they join Slack's.
 */
export function decisionNotice(d: Exclude<Decision, { kind: 'decided' | 'confirm' }>, approvers: string): string {
  if (d.kind === 'refused') return `:no_entry: ${escapeText(d.reason)} Approvers: ${('deciders' in d && d.deciders) || approvers}.`;
  if (d.kind === 'awaiting') {
    const so = `${d.approvedBy.length} of ${d.needed} approvals: ${mention(d.approvedBy)}.`;
    const others = d.others.length ? ` Also may approve: ${mention(d.others)}.` : ' Nobody else may approve it now.';
    const first = d.again
      ? `You have already approved ${d.request.id}; a second click does not count twice.`
      : `Your approval of ${d.request.id}${d.together ? ` and of the ${d.together} other${d.together === 1 ? '' : 's'} requested with it` : ''} is recorded.`;
    return `${first}${d.risk ? ` ${d.risk}` : ''} ${so}${others}`;
  }
  if (d.kind === 'rejection_awaiting') {
    const first = d.again
      ? `You have already rejected ${d.request.id}; a second rejection does not count twice.`
      : `Your rejection of ${d.request.id} is recorded.`;
    return `${first} ${d.rejectedBy.length} of ${d.needed} rejections: ${mention(d.rejectedBy)}. It is rejected once ${d.needed} approvers have rejected it.`;
  }
  const by = d.request.decision ? ` by <@${d.request.decision.by}>` : '';
  return `Request ${d.request.id} was already ${d.request.decision?.outcome ?? d.request.status}${by}; nothing changed.`;
}

/** What to tell whoever asked for a request's evidence, by button or command. */
export function evidenceNotice(answer: EvidenceAnswer): string {
  return answer.kind === 'refused' ? `:no_entry: ${escapeText(answer.reason)}` : answer.text;
}
