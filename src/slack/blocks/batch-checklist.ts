import type { BatchDecision } from '../../requests/batch-decision.js';
import type { OffboardRequest } from '../../requests/request.js';
import { requestState, STATE_LABELS } from '../../requests/request-state.js';
import type { RunView } from '../../runs/run-view.js';
import { blocksText, context, cut, escapeText, fitLines, MESSAGE_BLOCKS_TEXT, MESSAGE_TEXT_LIMIT, plain, section, slackDate } from './block-kit.js';
import { ACTIONS } from './ids.js';

/** One person of a bulk request as the combined checklist shows them. */
export interface BatchMember {
  request: OffboardRequest;
  view: RunView;
  /** Slack's permalink of the person's approval message, whose thread holds their own checklist. */
  link?: string;
}

/** Where a person stands, in a word the combined checklist counts and orders by. */
export type MemberState = 'failed' | 'residual' | 'unchecked' | 'running' | 'scheduled' | 'pending' | 'verified' | 'attested' | 'stopped' | 'reinstated';

const ICONS: Record<MemberState, string> = {
  failed: ':x:',
  residual: ':large_orange_circle:',
  unchecked: ':grey_question:',
  running: ':hourglass_flowing_sand:',
  scheduled: ':calendar:',
  pending: ':white_circle:',
  verified: ':white_check_mark:',
  attested: ':ballot_box_with_check:',
  stopped: ':no_entry_sign:',
  reinstated: ':leftwards_arrow_with_hook:',
};

/** What needs someone first: failures, residual access and steps that could not look at the top, the verified last. */
const ORDER: MemberState[] = ['failed', 'residual', 'unchecked', 'running', 'scheduled', 'pending', 'stopped', 'reinstated', 'attested', 'verified'];

/** A section's text stays below Slack's 3,000 characters. */
const SECTION_BUDGET = 2_900;

/** Where one person of the batch stands, from their request and its trail, and how it is said. */
export function memberState({ request, view }: Pick<BatchMember, 'request' | 'view'>): { state: MemberState; label: string } {
  const state = requestState(request, view);
  const finished = view.finishes.at(-1);
  const grace = state === 'disabled' ? ', access disabled until its deletion' : '';
  if ((state === 'completed' || state === 'completed_with_failures' || state === 'disabled') && finished) {
    switch (finished.outcome) {
      case 'verified':
        return { state: 'verified', label: `every step verified${grace}` };
      case 'attested':
        return { state: 'attested', label: `every step verified or attested${grace}` };
      case 'residual':
        return { state: 'residual', label: `verified, residual access remains${grace}` };
      case 'unchecked':
        return { state: 'unchecked', label: `verified, except ${(finished.uncheckedSteps ?? []).length} step(s) not checked${grace}` };
      default:
        return { state: 'failed', label: `${finished.failedSteps.length} step(s) failed${grace}` };
    }
  }
  if (state === 'running') {
    const done = view.steps.filter((s) => s.state === 'verified' || s.state === 'attested').length;
    return { state: 'running', label: view.steps.length ? `running: ${done} of ${view.steps.length} steps verified` : 'running: finding the person' };
  }
  if (state === 'scheduled') return { state: 'scheduled', label: STATE_LABELS.scheduled };
  if (state === 'pending' || state === 'partly_approved') return { state: 'pending', label: STATE_LABELS[state] };
  if (state === 'reinstated') return { state: 'reinstated', label: STATE_LABELS.reinstated };
  return { state: 'stopped', label: STATE_LABELS[state] };
}

/** A link Slack gave, used only when it is nothing but a URL (it goes inside `<…|…>`). */
const safeLink = (link: string | undefined) => (link && /^https:\/\/[^\s<>|]+$/.test(link) ? link : undefined);

/**
 * A bulk request's combined checklist: one line per person (their request, name and where they
 * stand, linked to their thread, which holds their own checklist in detail), those needing
 * attention first. Within Slack's limits for a hundred people: lines that do not fit are counted
 * in a last line saying where they are.
 */
export function batchChecklistMessage(batchId: string, decision: BatchDecision, members: BatchMember[]) {
  const rows = members
    .map((m) => ({ ...m, ...memberState(m) }))
    .sort((a, b) => ORDER.indexOf(a.state) - ORDER.indexOf(b.state) || a.request.subject.name.localeCompare(b.request.subject.name));
  const counts = ORDER.map((state) => [state, rows.filter((r) => r.state === state).length] as const).filter(([, n]) => n > 0);
  const head = section(
    `*Bulk request ${escapeText(batchId)}*: ${members.length} people, approved by <@${decision.by}> ${slackDate(decision.at)}. One line per person; each person's thread has their own checklist.`,
  );
  const tally = context(counts.map(([state, n]) => `${ICONS[state]} ${n} ${state}`).join('   '));
  const lines = rows.map((r) => {
    const link = safeLink(r.link);
    const id = link ? `<${link}|${r.request.id}>` : r.request.id;
    return `${ICONS[r.state]} ${id} ${cut(escapeText(r.request.subject.name), 80)}: ${r.label}`;
  });
  const budget = MESSAGE_BLOCKS_TEXT - blocksText([head, tally]) - 200;
  const shown = fitLines(
    lines,
    budget,
    (left) => `…and ${left} more, not shown here to stay within Slack's limits: each has its own thread, and \`/offboard status <id>\`.`,
  );
  const sections: string[] = [];
  for (const line of shown) {
    const last = sections.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= SECTION_BUDGET) sections[sections.length - 1] = `${last}\n${line}`;
    else sections.push(line);
  }
  const verified = rows.filter((r) => r.state === 'verified' || r.state === 'attested').length;
  const partly = rows.filter((r) => r.state === 'unchecked').length;
  // As on each failed person's checklist: the listener decides at click time who may retry, and whom.
  const failed = rows.find((r) => r.state === 'failed');
  const actions = failed
    ? [
        {
          type: 'actions',
          block_id: `batch.${batchId}`,
          elements: [
            {
              type: 'button',
              action_id: ACTIONS.retryBatch,
              value: failed.request.id,
              text: plain(`Retry everyone's failed steps (${members.length} people)`),
            },
          ],
        },
      ]
    : [];
  return {
    text: cut(
      `Bulk request ${escapeText(batchId)}: ${verified} of ${members.length} people verified${partly ? `, ${partly} verified except where a step could not look` : ''}.`,
      MESSAGE_TEXT_LIMIT,
    ),
    blocks: [head, tally, ...sections.map(section), ...actions],
  };
}
