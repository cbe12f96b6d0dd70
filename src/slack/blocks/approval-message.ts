import type { OffboardRequest } from '../../requests/request.js';
import { context, divider, escape, plain, section, slackDate, user } from './block-kit.js';
import { ACTIONS } from './ids.js';
import { requestFacts } from './request-summary.js';

export interface ApprovalScope {
  system: string;
  scopes: { id: string; name?: string }[];
  touches: string[];
}

/** The message IT decides on; after a decision the buttons give way to who decided and when. */
export function approvalMessage(r: OffboardRequest, touched: ApprovalScope[]) {
  const decided = r.decision
    ? r.decision.outcome === 'approved'
      ? `:white_check_mark: *Approved* by ${user(r.decision.by)} ${slackDate(r.decision.at)}`
      : `:no_entry: *Rejected* by ${user(r.decision.by)} ${slackDate(r.decision.at)}: ${escape(r.decision.reason ?? '')}`
    : undefined;
  const what = touched.map(
    (t) => `• *${t.system}* in ${t.scopes.map((s) => (s.name ? `${s.name} (\`${s.id}\`)` : `\`${s.id}\``)).join(', ')}: ${t.touches.join(', ')}`,
  );
  return {
    text: `Offboarding request ${r.id} for ${r.subject.name}${decided ? ` (${r.decision!.outcome})` : ': approval needed'}`,
    blocks: [
      section(`:wave: *Offboarding request ${r.id}*`),
      section(requestFacts(r).join('\n')),
      section(`*What will be revoked:*\n${what.join('\n')}`),
      divider(),
      decided
        ? section(decided)
        : {
            type: 'actions',
            block_id: `decide.${r.id}`,
            elements: [
              { type: 'button', action_id: ACTIONS.approve, value: r.id, style: 'primary', text: plain('Approve') },
              { type: 'button', action_id: ACTIONS.reject, value: r.id, style: 'danger', text: plain('Reject') },
            ],
          },
      context(`Submitted ${slackDate(r.createdAt)} · only offboarding approvers can decide; nobody decides on their own request or offboarding.`),
    ],
  };
}
