import type { Phase } from '../../audit/audit-event.js';
import { scopeLabel, systemTitle } from '../../connectors/step-ref.js';
import type { OffboardRequest } from '../../requests/request.js';
import { isOpenTask, rotationTasks } from '../../runs/handed-over.js';
import { rotationBlocks, rotationsBeyond } from './rotation-tasks.js';
import { awaitedReviews, foundNothingAnywhere, notCoveredOf, openTasks, roundName, uncheckedOf, type RunView, type StepProgress } from '../../runs/run-view.js';
import { blocksText, context, cut, escapeText, MESSAGE_BLOCKS, MESSAGE_BLOCKS_TEXT, plain, section, slackDate } from './block-kit.js';
import { stepButtonValue } from '../payloads.js';
import { ACTIONS } from './ids.js';
import { mentionAttesters } from './attesters.js';
import { itemLines, itemTaskBlocks } from './item-tasks.js';
import { LEFT_LINE_CHARS, leftLine, spend } from './block-budget.js';
import { openItems } from '../../runs/item-tasks.js';

/** How each phase's steps are headed: what the round did to that system. */
const PHASES: Record<Phase, string> = { disable: 'access removed, reversible', delete: 'removed for good', reinstate: 'reinstated' };

const ICONS = {
  waiting: ':white_circle:',
  running: ':hourglass_flowing_sand:',
  paused: ':double_vertical_bar:',
  retrying: ':arrows_counterclockwise:',
  open: ':raised_hand:',
  verified: ':white_check_mark:',
  attested: ':ballot_box_with_check:',
  failed: ':x:',
  residual: ':large_orange_circle:',
  unchecked: ':grey_question:',
} as const;

/**
 * The live checklist in the request's thread, rendered entirely from the audit trail. `chainBroken`:
 * how the trail's hash chain was found broken, said before anything drawn from it.
 */
export function checklistMessage(r: OffboardRequest, view: RunView, { chainBroken }: { chainBroken?: string } = {}) {
  const { steps } = view;
  const { round, finished: roundFinished } = view.current;
  const current = view.rounds.at(-1);
  const finished = roundFinished ? view.finishes.at(-1) : undefined;
  const report = roundFinished ? view.reports.at(-1) : undefined;
  const scheduled = current && Date.parse(current.startsAt) > Date.parse(current.at) ? current.startsAt : undefined;
  const verified = steps.filter((s) => s.state === 'verified' || s.state === 'attested').length;
  const open = openTasks(view);

  const groups = new Map<string, StepProgress[]>();
  for (const s of steps) {
    const key = `${s.phase}\u0000${s.ref.system}\u0000${s.ref.scope}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const scopes = [...groups.values()].map((group) => {
    const lines = group.map((s) => `${ICONS[s.state]} ${s.ref.title}: ${stepLine(s, scheduled)}`);
    const { ref, phase } = group[0]!;
    return { group, text: `*${systemTitle(ref)}* · ${scopeLabel(ref, (x) => `\`${x}\``)} · ${PHASES[phase]}\n${lines.join('\n')}` };
  });

  const notChecked = finished?.uncheckedSteps?.length ?? 0;
  // Every step may be done while credentials she made or saw still wait for rotation: never "all done" then.
  const openRotations = rotationTasks(view).filter(isOpenTask).length;
  const stillOpen = openRotations ? ` ${openRotations} rotation task(s) still open (listed below).` : '';
  const footer = finished
    ? finished.outcome === 'verified'
      ? `:white_check_mark: Finished ${slackDate(finished.at)}: every step verified.${stillOpen}`
      : finished.outcome === 'attested'
        ? `:ballot_box_with_check: Finished ${slackDate(finished.at)}: every step verified by read-back or attested by the person named above.${stillOpen}`
        : finished.outcome === 'residual'
          ? `:large_orange_circle: Finished ${slackDate(finished.at)}: residual access remains (amber above): it must be removed by hand.${notChecked ? ` ${notCheckedText(notChecked)}` : ' Every other step verified.'}`
          : finished.outcome === 'unchecked'
            ? `:grey_question: Finished ${slackDate(finished.at)}: ${steps.some((s) => s.state === 'attested') ? 'verified by read-back or attested by the person named above' : 'verified'}, except ${notCheckedText(notChecked)}${stillOpen}`
            : `:x: Finished ${slackDate(finished.at)} with ${finished.failedSteps.length} failed step(s); see the reasons above and the evidence report. An approver can retry them once the cause is fixed.`
    : r.status === 'pending' && steps.length === 0
      ? // Posted once approved: a pending request with one was rescheduled before its run started.
        ':calendar: *Rescheduled* before its run started: waiting for approval again. Nothing has run.'
      : open.length
        ? `:raised_hand: *Waiting for attestation* of ${open.length} task(s); ${verified} of ${steps.length} steps verified or attested so far. The offboarding finishes once every task is attested.`
        : `${verified} of ${steps.length} steps verified or attested so far.`;
  const evidence = report
    ? ` Evidence report: ${escapeText(report.filename)}${report.sha256 ? `, JSON SHA-256 \`${report.sha256.slice(0, 16)}…\`` : ''}; approvers and compliance get it by direct message (Download evidence).`
    : '';
  const warning =
    finished && foundNothingAnywhere(steps)
      ? [
          section(
            `:warning: *Nothing was found for ${escapeText(r.subject.email)} in any system.* If they use another email there, their access is untouched: offboard that identity too.`,
          ),
        ]
      : [];

  // What a finished round vouches for, and what it does not: no silence may pass for coverage.
  const checked = [...new Set(steps.map((s) => s.ref.system))].map((system) => {
    const refs = [...new Map(steps.filter((s) => s.ref.system === system).map((s) => [s.ref.scope, s.ref])).values()];
    return refs.length === 1
      ? `${systemTitle(refs[0]!)} ${scopeLabel(refs[0]!)}`
      : `${systemTitle(refs[0]!)}, ${refs.length} ${refs[0]!.scopeNoun ?? 'scope'}s (listed above)`;
  });
  const scope = finished
    ? [
        context(
          `*Checked:* ${escapeText(checked.join('; '))}. *Not covered:* ${escapeText(['systems and accounts not configured here', 'identities under another email', ...notCoveredOf(view), ...uncheckedOf(view), 'access shown amber above'].join('; '))}.`,
        ),
      ]
    : [];
  const rescanned = view.rescans.at(-1);
  const rescanLine = rescanned
    ? [
        context(
          rescanned.findings.length
            ? `:rotating_light: Re-scan ${slackDate(rescanned.at)} after the ${rescanned.phase} phase: *${rescanned.findings.length} access item(s) came back*; see the alert in this thread.`
            : `:mag: Last re-scan ${slackDate(rescanned.at)} after the ${rescanned.phase} phase: nothing came back${rescanned.unchecked.length ? ` where it could look; *not checked:* ${escapeText(rescanned.unchecked.join('; '))}` : ''}.`,
        ),
      ]
    : [];
  const deletion = view.deletions.at(-1);
  // What the deletion waits for a person to review, offered while it waits (the grace period).
  const graceReviews = r.status === 'disabled' && deletion ? awaitedReviews(view) : [];
  const reviewLines = graceReviews.map(({ ref, last }) => {
    const what = `${escapeText(ref.title)} · ${scopeLabel(ref, (x) => `\`${x}\``)}`;
    return last
      ? `:white_check_mark: ${what}: reviewed for the deletion by <@${last.actor}> ${slackDate(last.at)}; the deletion acts on what was chosen and reads it back (*${escapeText(ref.review!.label)}* changes it).`
      : `:mag: *The deletion needs a review first:* ${what}: an approver says what is the person's with *${escapeText(ref.review!.label)}* below. Unreviewed, that step fails at the deletion.`;
  });
  const lifecycle =
    r.status === 'disabled' && deletion
      ? [
          context(
            `:lock: Access removed; the person stays a member where they were, with nothing to use. *Deletion scheduled for ${slackDate(deletion.deleteAt)}*, unless they are reinstated first.`,
          ),
          ...(reviewLines.length ? [context(cut(reviewLines.join('\n'), 1900))] : []),
        ]
      : r.status === 'reinstated'
        ? [context(':leftwards_arrow_with_hook: Reinstated: what was removed has been restored, and the deletion is cancelled.')]
        : [];
  const buttons: Array<Record<string, unknown>> = [
    ...(finished && finished.outcome === 'failures' && r.status !== 'approved'
      ? [
          { type: 'button', action_id: ACTIONS.retry, value: r.id, text: plain('Retry failed steps') },
          ...(r.batch
            ? [{ type: 'button', action_id: ACTIONS.retryBatch, value: r.id, text: plain(`Retry everyone's failed steps (${r.batch.size} people)`) }]
            : []),
        ]
      : []),
    ...(r.status === 'disabled'
      ? [
          { type: 'button', action_id: ACTIONS.reinstate, value: r.id, text: plain('Reinstate') },
          { type: 'button', action_id: ACTIONS.endGrace, value: r.id, style: 'danger', text: plain('End grace period now') },
        ]
      : []),
  ];
  // A finished round without its stored pack (every upload failed) can have it made again; a stored one can be had.
  const stored = view.reports.some((e) => e.round === round);
  if (finished && !stored) buttons.push({ type: 'button', action_id: ACTIONS.generateReport, value: r.id, text: plain('Generate report') });
  if (view.reports.length) buttons.push({ type: 'button', action_id: ACTIONS.downloadEvidence, value: r.id, text: plain('Download evidence') });
  const actions = buttons.length ? [{ type: 'actions', block_id: `checklist.${r.id}`, elements: buttons }] : [];
  // Each open task's Done and Not applicable; the listener decides at click time who may attest.
  const tasks = open
    .filter((s) => !s.items)
    .map((s) => ({
      type: 'actions',
      block_id: `task.${s.id}`,
      elements: [
        { type: 'button', action_id: ACTIONS.taskDone, value: stepButtonValue(r.id, s.id), style: 'primary', text: plain(cut(`Done: ${s.ref.title}`, 75)) },
        { type: 'button', action_id: ACTIONS.taskNotApplicable, value: stepButtonValue(r.id, s.id), text: plain('Not applicable…') },
      ],
    }));
  // A review a step waits for (which SSH keys are the person's): its system's button until the step is verified.
  // During the grace period, each review the deletion's steps wait for, made or not (a review can be changed until then).
  const toReview = [
    ...steps
      .filter((s) => s.ref.review && s.phase === view.current.phase && s.state !== 'verified' && s.state !== 'unchecked')
      .map((s) => ({ id: s.id, ref: s.ref })),
    ...graceReviews.map((a) => ({ id: a.stepId, ref: a.ref })),
  ];
  const reviews = toReview.length
    ? [
        {
          type: 'actions',
          block_id: `reviews.${r.id}`,
          elements: toReview.slice(0, STEP_BUTTONS).map((s) => ({
            type: 'button',
            action_id: s.ref.review!.actionId,
            value: stepButtonValue(r.id, s.id),
            text: plain(cut(`${s.ref.review!.label} · ${scopeLabel(s.ref)}`, BUTTON_TEXT)),
          })),
        },
      ]
    : [];
  // Each failed step can be retried on its own, once its cause is fixed, without the others.
  const { phase } = view.current;
  const failedSteps =
    finished && finished.outcome === 'failures' && r.status !== 'approved' ? steps.filter((s) => s.state === 'failed' && s.phase === phase) : [];
  const perStep = failedSteps.length
    ? [
        {
          type: 'actions',
          block_id: `retry-steps.${r.id}`,
          elements: failedSteps.slice(0, STEP_BUTTONS).map((s) => ({
            type: 'button',
            action_id: ACTIONS.retryStep,
            value: stepButtonValue(r.id, s.id),
            text: plain(cut(`Retry ${s.ref.title} · ${scopeLabel(s.ref)}`, BUTTON_TEXT)),
          })),
        },
        ...(failedSteps.length > STEP_BUTTONS
          ? [context(`…and ${failedSteps.length - STEP_BUTTONS} more failed step(s): *Retry failed steps* retries every one.`)]
          : []),
      ]
    : [];
  const heading = `:clipboard: *Revocation checklist for ${r.id}* (${escapeText(r.subject.name)})${round > 1 && current ? ` · round ${round}: ${roundName(current, (id) => `<@${id}>`)}` : ''}`;
  const tampered = chainBroken
    ? [
        section(
          `:rotating_light: *The audit trail is broken* (${escapeText(chainBroken)}): it was altered in Redis after it was recorded. What this checklist and the evidence show may be forged.`,
        ),
      ]
    : [];
  const rotationList = rotationTasks(view);
  const rotations = rotationBlocks(r.id, r.successorSlackUserId, rotationList).map((block, i) => ({ block, tasks: i === 0 ? 0 : 1 }));
  const fixed = [section(heading), ...tampered, ...warning, context(footer + evidence), ...scope, ...lifecycle, ...rescanLine, ...actions];
  const where = finished ? 'the evidence report lists every one' : 'the evidence report will list every one when this round finishes';
  // One budget for the whole message, spent on what needs a click now first; the scopes' steps take what is left.
  const spent = spend(
    {
      blocks: MESSAGE_BLOCKS - fixed.length - SCOPES_KEPT.blocks - 1,
      chars: MESSAGE_BLOCKS_TEXT - blocksText(fixed) - SCOPES_KEPT.chars - LEFT_LINE_CHARS,
    },
    [
      { noun: 'failed step', nouns: 'failed steps', rows: perStep.map((block, i) => ({ block, tasks: i ? 0 : Math.min(failedSteps.length, STEP_BUTTONS) })) },
      { noun: 'review', nouns: 'reviews', rows: reviews.map((block) => ({ block, tasks: Math.min(toReview.length, STEP_BUTTONS) })) },
      { noun: 'open task', nouns: 'open tasks', rows: tasks.map((block) => ({ block, tasks: 1 })) },
      itemTaskBlocks(r.id, open),
      { noun: 'rotation task', nouns: 'rotation tasks', rows: rotations, beyond: rotationsBeyond(rotationList) },
    ],
  );
  const [retries = [], reviewed = [], tasksShown = [], itemsShown = [], rotationsShown = []] = spent.shown;
  const after = [
    ...warning,
    context(footer + evidence),
    ...scope,
    ...lifecycle,
    ...rescanLine,
    ...tasksShown,
    ...itemsShown,
    ...rotationsShown,
    ...reviewed,
    ...retries,
    ...leftLine(spent.left, where),
    ...actions,
  ];
  const room = {
    blocks: MESSAGE_BLOCKS - 1 - tampered.length - after.length,
    chars: MESSAGE_BLOCKS_TEXT - blocksText([section(heading), ...tampered, ...after]),
  };
  return {
    text: `Revocation checklist for ${r.id}: ${verified} of ${steps.length} verified${chainBroken ? ' (the audit trail is broken)' : ''}`,
    blocks: [section(heading), ...tampered, ...fitScopes(scopes, room, where), ...after],
  };
}

/**
 * What the scopes' steps keep however many buttons wait, so that what failed and why stays in sight:
 * the buttons spend the rest of the message first, in this order (what needs a click now first):
 * each failed step's Retry, the reviews a step waits for, the open tasks' Done, the open items' Done,
 * then the rotation tasks with their buttons. The request's own buttons (Retry failed steps,
 * Reinstate, …) and its state lines are always shown.
 */
const SCOPES_KEPT = { blocks: 4, chars: 3000 };

/** A button per failed step, at most (an actions block holds 25 elements); Slack cuts a button's text at 75 characters. */
const STEP_BUTTONS = 20;
const BUTTON_TEXT = 75;

/** Slack takes 3000 characters per section. */
const MAX_SECTION_CHARS = 2900;
/** Kept for the line that counts what did not fit. */
const SUMMARY_ROOM = 400;
/** What needs attention first, when not every scope fits. */
const RANK: Record<StepProgress['state'], number> = {
  failed: 0,
  residual: 1,
  unchecked: 2,
  open: 3,
  retrying: 4,
  running: 5,
  paused: 5,
  waiting: 6,
  attested: 7,
  verified: 8,
};

/** What a finished round says of its steps that could not look: nothing there is vouched for, and retrying does not help. */
const notCheckedText = (n: number) =>
  `${n} step(s) *not checked* (grey above, with why): the bot could not look there, so nothing there is verified. Retrying does not help; fix the configuration the reason names, or check by hand.`;

interface ScopeText {
  group: StepProgress[];
  text: string;
}

/**
 * One section per scope, joined into fewer sections when there are many or they do not fit; when even that passes
 * what one message may hold (`room`), the scopes that need attention come first and the rest are
 * counted, by state, in one line that says where every one is.
 */
function fitScopes(scopes: ScopeText[], room: { blocks: number; chars: number }, where: string) {
  const texts = scopes.map((s) => s.text);
  const fits = (sections: string[]) => sections.length <= room.blocks && sections.reduce((n, t) => n + t.length, 0) <= room.chars;
  if (scopes.length <= MAX_ONE_EACH && fits(texts)) return texts.map(section);
  const packedAll = pack(texts);
  if (fits(packedAll)) return packedAll.map(section);
  const worst = (s: ScopeText) => Math.min(...s.group.map((p) => RANK[p.state]));
  const ordered = scopes.map((s) => ({ s, rank: worst(s) })).sort((a, b) => a.rank - b.rank);
  const packed: string[] = [];
  let chars = 0;
  let kept = 0;
  for (const { s } of ordered) {
    const last = packed.at(-1);
    const joins = last !== undefined && last.length + 2 + s.text.length <= MAX_SECTION_CHARS;
    const added = joins ? 2 + s.text.length : Math.min(s.text.length, MAX_SECTION_CHARS);
    if (packed.length + (joins ? 0 : 1) > room.blocks - 1 || chars + added > room.chars - SUMMARY_ROOM) break;
    if (joins) packed[packed.length - 1] = `${last}\n\n${s.text}`;
    else packed.push(cut(s.text, MAX_SECTION_CHARS));
    chars += added;
    kept += 1;
  }
  const left = ordered.slice(kept).map(({ s }) => s);
  if (!left.length) return packed.map(section);
  const states = new Map<string, number>();
  for (const p of left.flatMap((s) => s.group)) states.set(p.state, (states.get(p.state) ?? 0) + 1);
  const nouns = new Set(left.map((s) => s.group[0]!.ref.scopeNoun ?? 'scope'));
  const noun = nouns.size === 1 ? [...nouns][0]! : 'scope';
  const counts = [...states].sort(([a], [b]) => RANK[a as StepProgress['state']] - RANK[b as StepProgress['state']]).map(([state, n]) => `${n} ${state}`);
  const summary = `:heavy_plus_sign: *…and ${left.length} more ${noun}${left.length === 1 ? '' : 's'}* not shown here, to fit Slack (their steps: ${counts.join(', ')}); ${where}.`;
  return [...packed.map(section), section(summary)];
}

/** Up to this many scopes, each has a section of its own. */
const MAX_ONE_EACH = 40;

/** Joins scope texts into as few sections as the character limit allows. */
function pack(texts: string[]): string[] {
  const packed: string[] = [];
  for (const t of texts) {
    const last = packed.at(-1);
    if (last !== undefined && last.length + 2 + t.length <= MAX_SECTION_CHARS) packed[packed.length - 1] = `${last}\n\n${t}`;
    else packed.push(cut(t, MAX_SECTION_CHARS));
  }
  return packed;
}

function stepLine(s: StepProgress, scheduledFor?: string): string {
  switch (s.state) {
    case 'waiting':
      return scheduledFor ? `scheduled for ${slackDate(scheduledFor)}` : 'waiting';
    case 'running':
      return s.attempts > 1 ? `running (attempt ${s.attempts})` : 'running';
    case 'paused':
      return `paused for about ${Math.ceil((s.pause?.resumeInMs ?? 0) / 1000)} s, no retry spent: ${escapeText(s.pause?.reason ?? '')}`;
    case 'retrying':
      return `retrying in ${Math.ceil((s.retryInMs ?? 0) / 1000)} s after: ${escapeText(s.error ?? '')}`;
    case 'failed': {
      // What it set out to change and never saw changed: the evidence lists each item.
      const count = (outcome: string) => s.changes?.filter((c) => c.outcome === outcome).length ?? 0;
      const open = [`${count('still_present')} still present`, `${count('outcome_unknown')} outcome unknown`].filter((t) => !t.startsWith('0 '));
      return `*failed*: ${escapeText(s.error ?? 'unknown error')}${open.length ? ` (${open.join(', ')})` : ''}`;
    }
    case 'open': {
      if (s.items)
        return `*waiting for attestation*, ${openItems(s).length} of ${s.items.length} still open: ${escapeText(s.task?.instructions ?? '')} _Each attested on its own by an approver._${itemLines(s)}`;
      const who = s.task ? mentionAttesters(s.task.attesters) : 'its attesters';
      return `*waiting for attestation*: ${escapeText(s.task?.instructions ?? '')} _Attested by ${who} or an approver._`;
    }
    case 'attested': {
      if (s.items) return `every one of ${s.items.length} *attested* on its own; not read back by the bot${itemLines(s)}`;
      const a = s.attestation!;
      const how = a.outcome === 'done' ? 'done' : 'not applicable';
      return `${how}, *attested* by <@${a.by}> ${slackDate(a.at)}${a.note ? `: ${escapeText(a.note)}` : ''}${a.carriedFrom ? ` (in round ${a.carriedFrom})` : ''}; not read back by the bot`;
    }
    case 'unchecked':
      return `*not checked here*: ${escapeText(s.unchecked ?? 'no reason recorded')}; nothing was read, so nothing here is verified`;
    case 'residual':
      return `*residual access, not removed*: ${(s.residual ?? []).map((f) => `${escapeText(f.label)}${f.detail ? ` (${escapeText(f.detail)})` : ''}`).join('; ')}. ${escapeText(s.error ?? '')}`;
    case 'verified': {
      const count = (outcome: string) => s.changes?.filter((c) => c.outcome === outcome).length ?? 0;
      const done = (['removed', 'disabled', 'restored'] as const).filter((o) => count(o) > 0).map((o) => `${count(o)} ${o}`);
      const absent = count('already_absent');
      const kept = keptText(s);
      const what =
        done.length + absent + count('kept') === 0
          ? s.inventoryNote
            ? `nothing to ${s.phase === 'reinstate' ? 'restore' : 'remove'} (${escapeText(s.inventoryNote)})`
            : 'nothing found'
          : [...done, ...(absent ? [`${absent} already absent`] : []), ...(kept ? [kept] : [])].join(', ');
      if (s.verification?.by === 'listing') return `${what}; verified by its listing`;
      const checks = s.verification?.checks ?? 1;
      return `${what}; verified by read-back${checks > 1 ? ` after ${checks} checks` : ''}`;
    }
  }
}

/** Items shown by name among those a step kept; the evidence lists every one. */
const KEPT_SHOWN = 4;

/** What a step left as it is on purpose, each with why (handed over to the successor, not changed). */
function keptText(s: StepProgress): string | undefined {
  const kept = s.changes?.filter((c) => c.outcome === 'kept') ?? [];
  if (kept.length === 0) return undefined;
  const shown = kept.slice(0, KEPT_SHOWN).map((c) => `${escapeText(c.label)}${c.detail ? ` (${escapeText(c.detail)})` : ''}`);
  const more = kept.length > KEPT_SHOWN ? `; and ${kept.length - KEPT_SHOWN} more, each in the evidence` : '';
  return `${kept.length} kept: ${shown.join('; ')}${more}`;
}
