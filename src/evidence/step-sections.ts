import type { StepProgress } from '../checklist/step-progress.js';
import type { Change, Finding } from '../connectors/connector.js';
import { duration, isoTime, plural, systemLabel } from './format.js';
import { COLORS } from './pdf-layout.js';
import type { ReportContext } from './report-context.js';

const INDENT = 10;
const STATE_COLORS: Record<StepProgress['state'], string> = {
  verified: COLORS.ok,
  failed: COLORS.bad,
  retrying: COLORS.warn,
  running: COLORS.warn,
  waiting: COLORS.muted,
};

const findingText = (f: Finding) => `${f.label} (${f.id})${f.detail ? `: ${f.detail}` : ''}`;
const changeText = (c: Change) =>
  `${c.label} (${c.id}): ${c.outcome === 'removed' ? 'removed' : 'already absent'}` +
  (c.detail ? ` (${c.detail})` : '');

/** One block per planned step, in plan order, grouped by system and scope (IBM Cloud account). */
export function stepsSection(ctx: ReportContext): void {
  const { layout, steps } = ctx;
  layout.heading('Revocation steps');
  const [planned, ...retries] = ctx.eventsOf('run.planned');
  if (!planned || !steps.length) {
    layout.text('No revocation steps were planned.');
    return;
  }
  layout.text(`${plural(steps.length, 'step')} planned at ${isoTime(planned.at)}, to start at ${isoTime(planned.startsAt)}.`);
  for (const r of retries) {
    layout.text(`Round ${r.round}: ${plural(r.steps.length, 'failed step')} retried by ${r.by ? ctx.person(r.by) : 'an approver'} at ${isoTime(r.at)}.`);
  }

  const groups = new Map<string, StepProgress[]>();
  for (const s of steps) {
    const key = `${s.ref.system}\u0000${s.ref.scope}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const group of groups.values()) {
    const { system, scope } = group[0]!.ref;
    layout.subheading(`${systemLabel(system)} — ${ctx.scopeLabel(scope)}`);
    for (const s of group) stepBlock(ctx, s);
  }
}

function stepBlock(ctx: ReportContext, s: StepProgress): void {
  const { layout } = ctx;
  const f = (label: string, value: string) => layout.field(label, value, { indent: INDENT, size: 9.5 });
  layout.ensureSpace(60);
  layout.gap(4);
  layout.text(`${s.ref.title}: ${s.state.toUpperCase()}`, { bold: true, size: 10.5, color: STATE_COLORS[s.state] });
  f('Step', s.id);

  if (s.found === undefined) f('Found', 'Inventory not recorded');
  else if (!s.found.length) f('Found', `Nothing found: ${s.inventoryNote || 'no items in this scope'}`);
  else {
    f('Found', plural(s.found.length, 'item'));
    layout.bullets(s.found.map(findingText), { indent: INDENT + 130, size: 9 });
    if (s.inventoryNote) f('Inventory note', s.inventoryNote);
  }

  if (s.changes?.length) {
    f('Changed', plural(s.changes.length, 'item'));
    layout.bullets(s.changes.map(changeText), { indent: INDENT + 130, size: 9 });
  } else if (s.changes) f('Changed', 'Nothing to change');
  else if (s.found?.length) f('Changed', 'No change recorded');

  if (s.transactionIds.length) f(s.transactionIds.length > 1 ? 'Transaction ids' : 'Transaction id', s.transactionIds.join(', '));
  if (s.startedAt) f('Started at', isoTime(s.startedAt));
  if (s.actedAt) f('Acted at', isoTime(s.actedAt));
  const v = s.verification;
  f(
    'Verification',
    v
      ? `${plural(v.checks, 'read-back check')}, first confirmed at ${isoTime(v.firstConfirmedAt)}, elapsed ${duration(v.elapsedMs)}`
      : 'Not verified',
  );

  const retries = ctx.eventsOf('step.retrying', s.id);
  f('Attempts', `${s.attempts}${retries.length ? `, ${plural(retries.length, 'retry', 'retries')}` : ', no retries'}`);
  layout.bullets(
    retries.map((r) => `Attempt ${r.attempt} at ${isoTime(r.at)}: ${r.error}; retried after ${duration(r.retryInMs)}`),
    { indent: INDENT + 130, size: 9 },
  );

  const failures = ctx.eventsOf('step.failed', s.id);
  if (s.state === 'failed') {
    const last = failures.at(-1);
    const error = last?.error ?? s.error ?? 'no error recorded';
    layout.alert(
      last ? `FAILED on attempt ${last.attempt} at ${isoTime(last.at)}: ${error}` : `FAILED: ${error}`,
      INDENT,
    );
  } else if (s.error) {
    f('Last error', s.error);
  }
}
