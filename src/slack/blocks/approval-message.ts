import type { AuditEvent, PreviewItem } from '../../audit/audit-event.js';
import { scopeLabel, systemTitle } from '../../connectors/step-ref.js';
import type { RunShape } from '../../queue/run-flow.js';
import type { OffboardRequest } from '../../requests/request.js';
import { context, cut, divider, escape, MESSAGE_TEXT_LIMIT, plain, section, slackDate, user } from './block-kit.js';
import { ACTIONS } from './ids.js';
import { requestFacts } from './request-summary.js';

/**
 * The message IT decides on: the request, what a run touches, what the person holds right now
 * (once the read-only preview is in), and the buttons, which give way to who decided and when.
 */
/** What the read-only preview recorded. */
export type Preview = Pick<Extract<AuditEvent, { type: 'request.previewed' }>, 'items' | 'identities'>;

export function approvalMessage(r: OffboardRequest, shape: RunShape, preview?: Preview) {
  const decided = r.decision
    ? r.decision.outcome === 'approved'
      ? `:white_check_mark: *Approved* by ${user(r.decision.by)} ${slackDate(r.decision.at)}`
      : `:no_entry: *Rejected* by ${user(r.decision.by)} ${slackDate(r.decision.at)}: ${escape(r.decision.reason ?? '')}`
    : undefined;
  const revoked = shape.map((s) => `${s.title} in ${s.scopes.length === 1 ? `the ${s.scopeNoun}` : `${s.scopeNoun}s`} ${s.scopes.map((x) => `\`${x}\``).join(', ')}: ${s.touches.join(', ')}`);
  return {
    text: cut(`Offboarding request ${r.id} for ${escape(r.subject.name)}${decided ? ` (${r.decision!.outcome})` : ': approval needed'}`, MESSAGE_TEXT_LIMIT),
    blocks: [
      section(`:wave: *Offboarding request ${r.id}*`),
      section(requestFacts(r).join('\n')),
      section(`*What will be revoked:*\n${revoked.map((r) => `• ${r}`).join('\n')}`),
      section(preview ? previewText(r, preview.items) + identitiesText(preview.identities) : '_Checking what they hold in each account…_'),
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

/** Who the person was found to be, per system: name, id, realm and state, so approvers can tell it is the right person. */
function identitiesText(found: Preview['identities']): string {
  const lines = (found ?? []).flatMap((s) => s.identities.map((i) => `• ${s.title}: ${escape(i.label)} \`${escape(i.id)}\`${i.detail ? ` (${escape(i.detail)})` : ''}`));
  return lines.length ? `\n*Found as:*\n${[...new Set(lines)].join('\n')}` : '';
}

function previewText(r: OffboardRequest, items: PreviewItem[]): string {
  if (items.length > 0 && items.every((i) => !i.error && i.found.length === 0)) {
    return `:warning: *${escape(r.subject.email)} matches no identity in any account.* Check that this is the right person and the email they use there before approving.`;
  }
  const groups = [...new Map(items.map((i) => [`${i.ref.system}\u0000${i.ref.scope}`, i.ref])).values()];
  const lines = groups.map((ref) => {
    const here = items.filter((i) => i.ref.system === ref.system && i.ref.scope === ref.scope);
    const nothing = here.every((i) => !i.error && i.found.length === 0);
    const parts = here.map((i) => (i.error ? `${i.ref.title}: could not check (${escape(i.error)})` : `${i.ref.title}: ${i.found.length}`));
    return `• ${systemTitle(ref)} · ${scopeLabel(ref, (x) => `\`${x}\``)}: ${nothing ? 'not found there, nothing to revoke' : parts.join(' · ')}`;
  });
  return `*They hold now* (read-only check):\n${lines.join('\n')}`;
}
