import type { AuditEvent, PreviewItem } from '../../audit/audit-event.js';
import { scopeLabel, systemTitle } from '../../connectors/step-ref.js';
import type { RunShape } from '../../runs/run-flow.js';
import { credentialRefusal, type Privilege, privilegeRisk } from '../../requests/privilege.js';
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

/** Where deciding a pending request stands under its rule (see ApprovalRequirements). */
export interface ApprovalProgress {
  rule: string;
  needed: number;
  typedConfirmation: boolean;
  privileges: Privilege[];
  /** Approvals of the request's current terms that count, first first. */
  counted: { actor: string; at: string }[];
  /** Who approved terms that have changed since, and not these. */
  outdated: string[];
  /** Who else may approve. */
  others: string[];
  rejectionsNeeded: number;
  rejectedBy: { actor: string; at: string }[];
  /** The rule's own approver groups, who decide instead of OFFBOARD_APPROVERS; absent when the approvers do. */
  approverGroups?: string[];
}

export function approvalMessage(r: OffboardRequest, shape: RunShape, preview?: Preview, progress?: ApprovalProgress) {
  const decided = r.decision
    ? r.decision.outcome === 'approved'
      ? `:white_check_mark: *Approved* by ${user(r.decision.by)} ${slackDate(r.decision.at)}`
      : `:no_entry: *Rejected* by ${user(r.decision.by)} ${slackDate(r.decision.at)}: ${escapeText(r.decision.reason ?? '')}`
    : undefined;
  const ended = r.ended
    ? r.ended.outcome === 'cancelled'
      ? `:no_entry_sign: *Cancelled*${r.ended.by ? ` by ${/^[UW][A-Z0-9]{2,20}$/.test(r.ended.by) ? user(r.ended.by) : escapeText(r.ended.by)}` : ''} ${slackDate(r.ended.at)}: ${escapeText(r.ended.reason)}`
      : `:hourglass: *Expired* ${slackDate(r.ended.at)}: ${escapeText(r.ended.reason)}`
    : undefined;
  const closed = [decided, ended].filter(Boolean).join('\n') || undefined;
  // An approved run waiting for its time can still be rescheduled (asking again) or cancelled, until it starts.
  const scheduled =
    r.status === 'approved' && !r.runStartedAt && r.effectiveAt !== null && r.decision !== undefined && Date.parse(r.effectiveAt) > Date.parse(r.decision.at);
  const manage = !closed
    ? [button(ACTIONS.reschedule, r.id, 'Reschedule'), button(ACTIONS.cancel, r.id, 'Cancel request')]
    : scheduled && !ended
      ? [button(ACTIONS.reschedule, r.id, 'Reschedule'), button(ACTIONS.cancel, r.id, 'Cancel request')]
      : [];
  const revoked = shape.map(
    (s) => `${s.title} in ${s.scopes.length === 1 ? `the ${s.scopeNoun}` : `${s.scopes.length} ${s.scopeNoun}s`} ${named(s.scopes)}: ${s.touches.join(', ')}`,
  );
  const privileges = progress?.privileges ?? preview?.privileges ?? [];
  const name = escapeText(r.subject.name);
  const ownerRefusal = credentialRefusal(name, privileges);
  const privileged = privileges.some((p) => p.kind !== 'credential_owner');
  const needed = progress?.needed ?? 1;
  const risk = ownerRefusal
    ? `:no_entry: *Cannot be approved.* ${ownerRefusal}`
    : privileged
      ? `:rotating_light: *Privileged:* ${privilegeRisk(name, privileges, needed)}`
      : undefined;
  const standing = progress && !ownerRefusal ? progressText(progress, r.batch !== undefined) : undefined;
  const approve = { type: 'button', action_id: ACTIONS.approve, value: r.id, style: 'primary', text: plain('Approve') };
  return {
    text: cut(
      `Offboarding request ${r.id} for ${name}${r.ended ? ` (${r.ended.outcome})` : decided ? ` (${r.decision!.outcome})` : ': approval needed'}`,
      MESSAGE_TEXT_LIMIT,
    ),
    blocks: [
      section(`:wave: *Offboarding request ${r.id}*`),
      section(requestFacts(r).join('\n')),
      ...(risk && !closed ? [section(risk)] : []),
      ...(standing && !closed ? [section(standing)] : []),
      section(`*What will be revoked:*\n${revoked.map((r) => `• ${r}`).join('\n')}`),
      section(preview ? `${previewText(r, preview.items)}${identitiesText(preview.identities)}` : '_Checking what they hold in each account…_'),
      ...heedText(preview),
      divider(),
      closed
        ? section(closed)
        : {
            type: 'actions',
            block_id: `decide.${r.id}`,
            elements: [
              // Slack asks the approver to confirm, naming the risk (unless the rule has them type the
              // person's email or name in a form instead); the server still counts distinct approvers.
              ...(ownerRefusal
                ? []
                : [privileged && !progress?.typedConfirmation ? { ...approve, confirm: confirmRisk(privilegeRisk(name, privileges, needed)) } : approve]),
              { type: 'button', action_id: ACTIONS.reject, value: r.id, style: 'danger', text: plain('Reject') },
            ],
          },
      ...(manage.length ? [{ type: 'actions', block_id: `manage.${r.id}`, elements: manage }] : []),
      context(
        `Submitted ${slackDate(r.createdAt)} · only ${progress?.approverGroups ? `members of the user group${progress.approverGroups.length > 1 ? 's' : ''} ${progress.approverGroups.map(escapeText).join(', ')} (rule "${escapeText(progress.rule)}")` : 'offboarding approvers'} can decide; nobody decides on their own request or offboarding.`,
      ),
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

const button = (action_id: string, value: string, text: string) => ({ type: 'button', action_id, value, text: plain(text) });

/** How many people a line names before it says how many more. */
const NAMED = 10;

function people(ids: readonly string[]): string {
  const named = ids.slice(0, NAMED).map(user).join(', ');
  return ids.length > NAMED ? `${named} and ${ids.length - NAMED} more` : named;
}

/** "1 of 2 approvals: <@Alex>. Also may approve: …", under the rule that applies. */
function progressText(p: ApprovalProgress, bulk: boolean): string {
  const rule = `(rule "${escapeText(p.rule)}")`;
  const lines =
    p.needed > 1 || p.counted.length > 0
      ? [
          `*Approvals* ${rule}: ${p.counted.length} of ${p.needed} approvals${p.counted.length ? `: ${people(p.counted.map((a) => a.actor))}` : ''}.` +
            (p.others.length ? ` Also may approve: ${people(p.others)}.` : ' Nobody else may approve it.'),
        ]
      : [`*Approval* ${rule}: one approval from ${p.others.length ? people(p.others) : 'nobody (no approver may decide it)'}.`];
  if (p.outdated.length)
    lines.push(`${people(p.outdated)} approved it before it changed; an approval counts only for what it approved, so they are asked again.`);
  if (p.typedConfirmation)
    lines.push(bulk ? 'Approving asks for the number of people it decides to be typed.' : "Approving asks for the person's email or name to be typed.");
  if (p.rejectionsNeeded > 1)
    lines.push(
      `It is rejected after ${p.rejectionsNeeded} rejections${p.rejectedBy.length ? ` (${p.rejectedBy.length} so far: ${people(p.rejectedBy.map((x) => x.actor))})` : ''}.`,
    );
  return lines.join('\n');
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

/** A task's instructions, as much of them as the preview shows (the checklist shows them whole). */
const TASK_PREVIEW_CHARS = 200;

function previewText(r: OffboardRequest, items: PreviewItem[]): string {
  // Manual tasks list nothing by nature, and a step that could not look listed nothing by not looking: whether the email matched anyone is for the others to say.
  const listed = items.filter((i) => i.task === undefined && i.unchecked === undefined);
  if (listed.length > 0 && listed.every((i) => !i.error && i.found.length === 0)) {
    return `:warning: *${escapeText(r.subject.email)} matches no identity in any account.* Check that this is the right person and the email they use there before approving.`;
  }
  const groups = [...new Map(items.map((i) => [`${i.ref.system}\u0000${i.ref.scope}`, i.ref])).values()];
  const lines = groups.map((ref) => {
    const here = items.filter((i) => i.ref.system === ref.system && i.ref.scope === ref.scope);
    if (here.every((i) => i.task !== undefined)) {
      const task = `a task a person attests once the run starts: ${escapeText(cut(here[0]!.task!, TASK_PREVIEW_CHARS))}`;
      return { nothing: false, line: `• ${systemTitle(ref)} · ${scopeLabel(ref, (x) => `\`${x}\``)}: ${task}` };
    }
    const nothing = here.every((i) => !i.error && i.unchecked === undefined && i.found.length === 0);
    const parts = here.map((i) =>
      i.error
        ? `${i.ref.title}: could not check (${escapeText(i.error)})`
        : i.unchecked !== undefined
          ? `${i.ref.title}: not checked (${escapeText(i.unchecked)})`
          : `${i.ref.title}: ${countText(i.found)}`,
    );
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

/** What to heed before deciding, in a section of its own: the most-used items found, and warnings. */
function heedText(preview: Preview | undefined) {
  const text = preview ? `${mostUsedText(preview.items)}${warningsText(preview.items)}`.trim() : '';
  return text ? [section(text)] : [];
}

/** How many a step found; by kind, where it finds several kinds (service credentials, instances). */
function countText(found: PreviewItem['found']): string {
  if (!found.some((f) => f.kind)) return String(found.length);
  const kinds = new Map<string, number>();
  for (const f of found) kinds.set(f.kind ?? 'other', (kinds.get(f.kind ?? 'other') ?? 0) + 1);
  return [...kinds].map(([kind, n]) => `${n} ${escapeText(kind)}${n === 1 ? '' : 's'}`).join(', ');
}

/** The most-used items found (API keys, by sign-ins), where a system counts use: what breaks if they stop. */
const MOST_USED = 3;
function mostUsedText(items: PreviewItem[]): string {
  const used = items
    .flatMap((i) => i.found.filter((f) => (f.useCount ?? 0) > 0).map((f) => ({ f, ref: i.ref })))
    .sort((a, b) => (b.f.useCount ?? 0) - (a.f.useCount ?? 0))
    .slice(0, MOST_USED);
  if (used.length === 0) return '';
  const line = ({ f, ref }: (typeof used)[number]) =>
    `• ${escapeText(f.label)} in \`${escapeText(ref.scope)}\`: ${f.useCount!.toLocaleString('en-US')} sign-ins${f.lastUsed ? `, last ${escapeText(f.lastUsed)}` : ''}`;
  return `\n*Most used:*\n${fitLines(used.map(line), WARNING_CHARS, (left) => `…and ${left} more`).join('\n')}`;
}

/** What approvers should know before anything is changed (a service ID another team depends on). */
const WARNING_CHARS = 600;
function warningsText(items: PreviewItem[]): string {
  const lines = items.flatMap((i) =>
    i.found.filter((f) => f.warning).map((f) => `:warning: ${escapeText(f.label)} in \`${escapeText(i.ref.scope)}\`: ${escapeText(f.warning!)}`),
  );
  return lines.length ? `\n${fitLines(lines, WARNING_CHARS, (left) => `…and ${left} more warnings`).join('\n')}` : '';
}
