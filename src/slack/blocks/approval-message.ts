import type { AuditEvent, PreviewItem } from '../../audit/audit-event.js';
import { scopeLabel, systemTitle } from '../../connectors/step-ref.js';
import type { RunShape } from '../../runs/run-flow.js';
import { approvalsNeeded, credentialRefusal, mergePrivileges, privilegeRisk } from '../../requests/privilege.js';
import type { OffboardRequest } from '../../requests/request.js';
import { context, cut, divider, escapeText, fitLines, MESSAGE_TEXT_LIMIT, plain, section, slackDate, user } from './block-kit.js';
import { ACTIONS } from './ids.js';
import { requestFacts } from './request-summary.js';

/**
 * The message IT decides on: the request, what a run touches, what the person holds right now
 * (once the read-only preview is in), and the buttons, which give way to who decided and when.
 */
/** What the read-only preview recorded. */
export type Preview = Pick<Extract<AuditEvent, { type: 'request.previewed' }>, 'items' | 'identities' | 'privileges'>;

/** An approval of a privileged person's request that is waiting for a further approver. */
export type RecordedApproval = Pick<Extract<AuditEvent, { type: 'approval.recorded' }>, 'actor' | 'privileges' | 'needed'> & { at: string };

export function approvalMessage(r: OffboardRequest, shape: RunShape, preview?: Preview, recorded: readonly RecordedApproval[] = []) {
  const decided = r.ended
    ? `:no_entry_sign: *${r.ended.outcome === 'cancelled' ? 'Cancelled' : 'Expired'}*${r.ended.by ? ` by ${/^[UW][A-Z0-9]{2,20}$/.test(r.ended.by) ? user(r.ended.by) : escapeText(r.ended.by)}` : ''} ${slackDate(r.ended.at)}: ${escapeText(r.ended.reason)}`
    : r.decision
      ? r.decision.outcome === 'approved'
        ? `:white_check_mark: *Approved* by ${user(r.decision.by)} ${slackDate(r.decision.at)}`
        : `:no_entry: *Rejected* by ${user(r.decision.by)} ${slackDate(r.decision.at)}: ${escapeText(r.decision.reason ?? '')}`
      : undefined;
  const revoked = shape.map(
    (s) => `${s.title} in ${s.scopes.length === 1 ? `the ${s.scopeNoun}` : `${s.scopes.length} ${s.scopeNoun}s`} ${named(s.scopes)}: ${s.touches.join(', ')}`,
  );
  const privileges = mergePrivileges(preview?.privileges, ...recorded.map((a) => a.privileges));
  const name = escapeText(r.subject.name);
  const ownerRefusal = credentialRefusal(name, privileges);
  const needed = approvalsNeeded(privileges);
  const risk = ownerRefusal
    ? `:no_entry: *Cannot be approved.* ${ownerRefusal}`
    : needed > 1
      ? `:rotating_light: *Privileged:* ${privilegeRisk(name, privileges)}${approvalsSoFar(recorded, needed)}`
      : undefined;
  const approve = { type: 'button', action_id: ACTIONS.approve, value: r.id, style: 'primary', text: plain('Approve') };
  return {
    text: cut(`Offboarding request ${r.id} for ${name}${decided ? ` (${r.ended?.outcome ?? r.decision!.outcome})` : ': approval needed'}`, MESSAGE_TEXT_LIMIT),
    blocks: [
      section(`:wave: *Offboarding request ${r.id}*`),
      section(requestFacts(r).join('\n')),
      ...(risk && !decided ? [section(risk)] : []),
      section(`*What will be revoked:*\n${revoked.map((r) => `• ${r}`).join('\n')}`),
      section(preview ? `${previewText(r, preview.items)}${identitiesText(preview.identities)}` : '_Checking what they hold in each account…_'),
      divider(),
      decided
        ? section(decided)
        : {
            type: 'actions',
            block_id: `decide.${r.id}`,
            elements: [
              // Slack asks the approver to confirm, naming the risk; the server still counts two distinct approvers.
              ...(ownerRefusal ? [] : [needed > 1 ? { ...approve, confirm: confirmRisk(privilegeRisk(name, privileges)) } : approve]),
              { type: 'button', action_id: ACTIONS.reject, value: r.id, style: 'danger', text: plain('Reject') },
            ],
          },
      context(`Submitted ${slackDate(r.createdAt)} · only offboarding approvers can decide; nobody decides on their own request or offboarding.`),
    ],
  };
}

/** Scopes shown by name, up to a few: a run over hundreds of accounts names some and counts the rest. */
const NAMED_SCOPES = 10;
const named = (scopes: string[]) =>
  `${scopes
    .slice(0, NAMED_SCOPES)
    .map((x) => `\`${x}\``)
    .join(', ')}${scopes.length > NAMED_SCOPES ? ` and ${scopes.length - NAMED_SCOPES} more` : ''}`;
/** What fits one section with the preview's heading; the rest is counted (the checklist lists every scope). */
const PREVIEW_CHARS = 2000;
const IDENTITY_CHARS = 700;

function approvalsSoFar(recorded: readonly RecordedApproval[], needed: number): string {
  const by = [...new Map(recorded.map((a) => [a.actor, a])).values()];
  if (by.length === 0) return ` It needs ${needed} approvers.`;
  return `\n${by.length} of ${needed} approvals: ${by.map((a) => `${user(a.actor)} ${slackDate(a.at)}`).join(', ')}. Waiting for another approver.`;
}

/** A Block Kit confirmation dialog on the Approve button; Slack caps its text at 300 characters. */
function confirmRisk(text: string) {
  return {
    title: plain('Approve a privileged person?'),
    text: { type: 'mrkdwn', text: cut(text, 300) },
    confirm: plain('Approve'),
    deny: plain('Cancel'),
    style: 'danger',
  };
}

/** Who the person was found to be, per system: name, id, realm and state, so approvers can tell it is the right person. */
function identitiesText(found: Preview['identities']): string {
  const lines = (found ?? []).flatMap((s) =>
    s.identities.map((i) => `• ${s.title}: ${escapeText(i.label)} \`${escapeText(i.id)}\`${i.detail ? ` (${escapeText(i.detail)})` : ''}`),
  );
  const shown = fitLines([...new Set(lines)], IDENTITY_CHARS, (left) => `…and ${left} more identities`);
  return lines.length ? `\n*Found as:*\n${shown.join('\n')}` : '';
}

function previewText(r: OffboardRequest, items: PreviewItem[]): string {
  if (items.length > 0 && items.every((i) => !i.error && i.found.length === 0)) {
    return `:warning: *${escapeText(r.subject.email)} matches no identity in any account.* Check that this is the right person and the email they use there before approving.`;
  }
  const groups = [...new Map(items.map((i) => [`${i.ref.system}\u0000${i.ref.scope}`, i.ref])).values()];
  const lines = groups.map((ref) => {
    const here = items.filter((i) => i.ref.system === ref.system && i.ref.scope === ref.scope);
    const nothing = here.every((i) => !i.error && i.found.length === 0);
    const parts = here.map((i) => (i.error ? `${i.ref.title}: could not check (${escapeText(i.error)})` : `${i.ref.title}: ${i.found.length}`));
    return {
      nothing,
      line: `• ${systemTitle(ref)} · ${scopeLabel(ref, (x) => `\`${x}\``)}: ${nothing ? 'not found there, nothing to revoke' : parts.join(' · ')}`,
    };
  });
  // Too many to show: what they hold, and what could not be checked, before where they were not found.
  const fits = lines.reduce((n, l) => n + l.line.length + 1, 0) <= PREVIEW_CHARS;
  const ordered = (fits ? lines : [...lines.filter((l) => !l.nothing), ...lines.filter((l) => l.nothing)]).map((l) => l.line);
  const shown = fitLines(ordered, PREVIEW_CHARS, (left) => `…and ${left} more; the checklist lists each once the run starts.`);
  return `*They hold now* (read-only check):\n${shown.join('\n')}`;
}
