import { foundNothingAnywhere } from '../checklist/step-progress.js';
import { describeDisposition, REASONS } from '../requests/request.js';
import { isoTime, plural } from './format.js';
import { COLORS } from './pdf-layout.js';
import type { ReportContext } from './report-context.js';

export interface Outcome {
  text: string;
  ok: boolean;
}

/** The overall result: the last `run.finished` when the run ended, else the folded step state. */
export function overallOutcome(ctx: ReportContext): Outcome {
  const finished = ctx.eventsOf('run.finished').at(-1);
  if (finished) {
    if (finished.outcome === 'verified') return { text: 'All steps verified', ok: true };
    const n = finished.failedSteps.length;
    return { text: n ? `${n} step(s) failed` : 'Run finished with failures', ok: false };
  }
  const { steps } = ctx;
  const failed = steps.filter((s) => s.state === 'failed').length;
  const verified = steps.filter((s) => s.state === 'verified').length;
  if (failed) return { text: `${failed} step(s) failed`, ok: false };
  if (steps.length && verified === steps.length) return { text: 'All steps verified', ok: true };
  if (!steps.length) {
    const rejected = ctx.eventsOf('request.rejected').length > 0 || ctx.input.request.status === 'rejected';
    return { text: rejected ? 'Request rejected: no access was revoked' : 'No revocation steps planned', ok: false };
  }
  return { text: `Not finished: ${verified} of ${plural(steps.length, 'step')} verified`, ok: false };
}

export function summarySection(ctx: ReportContext): void {
  const { layout, input, steps } = ctx;
  const outcome = overallOutcome(ctx);
  layout.title('Offboarding evidence report');
  layout.field('Request', input.request.id);
  layout.field('Person leaving', `${input.request.subject.name} <${input.request.subject.email}>`);
  layout.field('Generated at', isoTime(input.generatedAt));
  layout.field('Outcome', outcome.text, { bold: true, color: outcome.ok ? COLORS.ok : COLORS.bad });
  if (steps.length) {
    const count = (state: string) => steps.filter((s) => s.state === state).length;
    const other = steps.length - count('verified') - count('failed');
    layout.field(
      'Steps',
      `${plural(steps.length, 'step')} planned: ${count('verified')} verified, ${count('failed')} failed` +
        (other ? `, ${other} not finished` : ''),
    );
    if (foundNothingAnywhere(steps)) {
      layout.alert(
        `Nothing was found for ${input.request.subject.email} in any system. If the person uses another email there, their access was not touched by this run.`,
      );
    }
  }
}

export function requestSection(ctx: ReportContext): void {
  const { layout } = ctx;
  const r = ctx.input.request;
  layout.heading('Request');
  layout.field('Person leaving', `${r.subject.name}, ${r.subject.email}, Slack ${r.subject.slackUserId}`);
  layout.field('Reason', REASONS[r.reason] ?? r.reason);
  layout.field('Requested by', ctx.person(r.requester.slackUserId));
  layout.field('Submitted at', isoTime(r.createdAt));
  layout.field('Access ends', r.effectiveAt ? isoTime(r.effectiveAt) : 'At approval');
  layout.field('Disposition', describeDisposition(r.disposition));
  layout.field('Successor', r.successorSlackUserId ? ctx.person(r.successorSlackUserId) : 'none');
  layout.field('Ticket', r.ticket || 'none');
  layout.field('Notes', r.notes || 'none');
  layout.field('Status', r.status);
}

export function decisionSection(ctx: ReportContext): void {
  const { layout } = ctx;
  layout.heading('Decision');
  const decisions = ctx.input.trail.filter((e) => e.type === 'request.approved' || e.type === 'request.rejected');
  for (const e of decisions) {
    if (e.type === 'request.approved') {
      layout.field('Approved', `by ${ctx.person(e.actor)} at ${isoTime(e.at)}`, { bold: true });
    } else if (e.type === 'request.rejected') {
      layout.field('Rejected', `by ${ctx.person(e.actor)} at ${isoTime(e.at)}: ${e.reason}`, { bold: true });
    }
  }
  const recorded = ctx.input.request.decision;
  if (!decisions.length && recorded) {
    const why = recorded.reason ? `: ${recorded.reason}` : '';
    layout.field(
      recorded.outcome === 'approved' ? 'Approved' : 'Rejected',
      `by ${ctx.person(recorded.by)} at ${isoTime(recorded.at)}${why} (recorded on the request; no event in the trail)`,
    );
  } else if (!decisions.length) {
    layout.text(`No decision recorded. Request status: ${ctx.input.request.status}.`);
  }

  const refused = ctx.eventsOf('approval.refused');
  layout.subheading('Refused approval attempts');
  if (!refused.length) {
    layout.text('None.', { color: COLORS.muted });
    return;
  }
  layout.table(
    [
      { header: 'Time', width: 0.24 },
      { header: 'Who', width: 0.24 },
      { header: 'Tried to', width: 0.1 },
      { header: 'Why it was refused', width: 0.42 },
    ],
    refused.map((e) => [isoTime(e.at), ctx.person(e.actor), e.action, e.reason]),
    9,
  );
}

export function controlsSection(ctx: ReportContext): void {
  const { layout } = ctx;
  layout.heading('Controls');
  layout.bullets([
    'NIST SP 800-53 PS-4 (personnel termination) and AC-2 (account management).',
    'SOC 2 CC6.2 and CC6.3 (access removed when no longer needed).',
    'ISO/IEC 27001:2022 Annex A 5.18 (access rights) and A 6.5 (responsibilities after termination or change of employment).',
  ]);
  layout.gap(4);
  layout.text(
    'Note: revocation does not end sessions already open. Access tokens issued before a step acted stay valid ' +
      'until they expire (up to 1 h on IBM Cloud).',
    { size: 9, color: COLORS.muted },
  );
  layout.text('Every statement in this report is taken from the request record and its append-only audit trail.', {
    size: 9,
    color: COLORS.muted,
  });
}
