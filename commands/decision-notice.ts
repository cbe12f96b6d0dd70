import type { Decision } from '../src/requests/request-lifecycle.js';
import type { EvidenceAnswer } from '../src/evidence/evidence-desk.js';
import { escapeText } from '../src/slack/blocks/block-kit.js';

/**
 * What to tell a person whose click did not decide the request; `approvers` is a Slack mention of who
 * can. Reasons are plain text (the trail keeps them as they are): escaped here, where they join Slack's.
 */
export function decisionNotice(d: Exclude<Decision, { kind: 'decided' }>, approvers: string): string {
  if (d.kind === 'refused') return `:no_entry: ${escapeText(d.reason)} Approvers: ${approvers}.`;
  if (d.kind === 'awaiting') {
    const so = `${d.approvedBy.length} of ${d.needed} approvals so far (${d.approvedBy.map((a) => `<@${a}>`).join(', ')}); it is approved when another approver approves too.`;
    return `${d.again ? `You have already approved ${d.request.id}; a second click does not count twice.` : `Your approval of ${d.request.id} is recorded.`} ${d.risk} ${so}`;
  }
  const by = d.request.decision ? ` by <@${d.request.decision.by}>` : '';
  return `Request ${d.request.id} was already ${d.request.decision?.outcome ?? d.request.status}${by}; nothing changed.`;
}

/** What to tell whoever asked for a request's evidence, by button or command. */
export function evidenceNotice(answer: EvidenceAnswer): string {
  return answer.kind === 'refused' ? `:no_entry: ${escapeText(answer.reason)}` : answer.text;
}
