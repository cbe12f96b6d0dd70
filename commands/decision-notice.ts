import type { Decision } from '../src/requests/request-lifecycle.js';

/** What to tell a person whose click did not decide the request; `approvers` is a Slack mention of who can. */
export function decisionNotice(d: Exclude<Decision, { kind: 'decided' }>, approvers: string): string {
  if (d.kind === 'refused') return `:no_entry: ${d.reason} Approvers: ${approvers}.`;
  const by = d.request.decision ? ` by <@${d.request.decision.by}>` : '';
  return `Request ${d.request.id} was already ${d.request.decision?.outcome ?? d.request.status}${by}; nothing changed.`;
}
