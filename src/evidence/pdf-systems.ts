import { roundName } from '../runs/run-view.js';
import { ASSURANCE_LABELS } from './assurance.js';
import type { PackStep } from './evidence-pack.js';
import { duration, isoTime, plural } from './format.js';
import { COLORS } from './pdf-layout.js';
import { scopeText, type PdfContext } from './pdf-context.js';

const INDENT = 10;
const STATE_COLORS: Record<string, string> = {
  verified: COLORS.ok,
  attested: COLORS.ok,
  failed: COLORS.bad,
  retrying: COLORS.warn,
  running: COLORS.warn,
  paused: COLORS.warn,
  open: COLORS.warn,
  residual: COLORS.warn,
  unchecked: COLORS.warn,
};

/** Per system and scope, each step: what was found, changed (under which transaction ids) and read back. */
export function systemsSection(ctx: PdfContext): void {
  const { layout, pack } = ctx;
  layout.heading('Per-system detail');
  if (!pack.steps.length) {
    layout.paragraph('No revocation steps were planned.');
    return;
  }
  for (const r of pack.rounds) {
    const restored =
      r.kind === 'reinstatement'
        ? `; restored: ${r.restored.length ? r.restored.map((c) => `${c.label} (${c.id})${c.detail ? ` ${c.detail}` : ''}`).join(', ') : 'nothing confirmed'}`
        : '';
    layout.paragraph(`Round ${r.round}: ${roundName(r, ctx.person)} at ${isoTime(r.planned_at)}, ${plural(r.steps.length, 'step')}${restored}.`, { size: 9.5 });
  }
  const identities = new Map<string, string[]>();
  for (const i of pack.identities)
    identities.set(i.system, [...(identities.get(i.system) ?? []), `${i.label} ${i.id} (${i.scope}${i.detail ? `, ${i.detail}` : ''})`]);
  for (const [system, found] of identities) layout.field(`Identities in ${system}`, [...new Set(found)].join('; '));
  const groups = new Map<string, PackStep[]>();
  for (const s of pack.steps) groups.set(scopeText(s), [...(groups.get(scopeText(s)) ?? []), s]);
  for (const [label, steps] of groups) {
    layout.subheading(label);
    for (const s of steps) stepBlock(ctx, s);
  }
}

function stepBlock(ctx: PdfContext, s: PackStep): void {
  const { layout } = ctx;
  const f = (label: string, value: string) => layout.field(label, value, { size: 8.5 }, INDENT);
  layout.ensureSpace(60);
  layout.gap(3);
  layout.paragraph(`${s.title}: ${s.state.toUpperCase()} · ${s.phase} · ${ASSURANCE_LABELS[s.assurance]}`, {
    bold: true,
    size: 10,
    color: STATE_COLORS[s.state] ?? COLORS.muted,
  });
  f('Step', s.id);
  if (s.unchecked !== undefined) f('Found', `Not checked: the bot could not look here (${s.unchecked}); nothing was read, changed or verified`);
  else if (s.found === null) f('Found', 'Inventory not recorded');
  else if (!s.found.length) f('Found', `Nothing found: ${s.inventory_note ?? 'no items in this scope'}`);
  else {
    f('Found', plural(s.found.length, 'item'));
    layout.bullets(
      s.found.map((x) => `${x.label} (${x.id})${x.detail ? `: ${x.detail}` : ''}${x.warning ? `. Warning: ${x.warning}` : ''}`),
      { size: 8.5 },
      INDENT + 130,
    );
  }
  if (s.changes.length) {
    // Still present and outcome unknown are accounted for, not changed: the count says which is which.
    // Kept items were left as they are on purpose (handed over): listed, never counted as changed.
    const open = s.changes.filter((c) => c.outcome === 'still_present' || c.outcome === 'outcome_unknown').length;
    const kept = s.changes.filter((c) => c.outcome === 'kept').length;
    f(
      'Changed',
      `${plural(s.changes.length - open - kept, 'item')}${open ? `; ${plural(open, 'item')} not confirmed changed` : ''}${kept ? `; ${plural(kept, 'item')} kept as they are` : ''}`,
    );
    layout.bullets(
      s.changes.map(
        (c) =>
          `${c.label} (${c.id}): ${c.outcome.replace('_', ' ')}${c.detail ? ` (${c.detail})` : ''}${c.transaction_id ? `, transaction ${c.transaction_id}` : ''}`,
      ),
      { size: 8.5 },
      INDENT + 130,
    );
  } else if (s.found?.length) f('Changed', 'No change recorded');
  if (s.transaction_ids.length) f(s.transaction_ids.length > 1 ? 'Transaction ids' : 'Transaction id', s.transaction_ids.join(' '));
  if (s.started_at) f('Started at', isoTime(s.started_at));
  if (s.acted_at) f('Acted at', isoTime(s.acted_at));
  if (s.attestation && s.item_tasks?.length) {
    f(
      'Attestation',
      `Every item attested on its own (below), the last by ${ctx.person(s.attestation.by)} at ${isoTime(s.attestation.at)}; not read back by the bot`,
    );
  } else if (s.attestation) {
    const a = s.attestation;
    const who = `${ctx.person(a.by)} at ${isoTime(a.at)}`;
    f(
      'Attestation',
      `${a.outcome === 'done' ? 'Done' : 'Not applicable'}: attested by ${who}${a.carried_from_round ? ` (in round ${a.carried_from_round})` : ''}; not read back by the bot`,
    );
    if (a.note) f('Note', a.note);
  } else if (s.state === 'open') f('Attestation', 'Waiting for attestation');
  if (s.item_tasks?.length) {
    // Each item is a task of its own: who attested it, when and how, or that it is still open.
    const open = s.item_tasks.filter((i) => !i.attestation).length;
    f('Item tasks', `${plural(s.item_tasks.length, 'item')}, each attested on its own${open ? `; ${open} still open` : ''}; not read back by the bot`);
    layout.bullets(
      s.item_tasks.map((i) => {
        const a = i.attestation;
        const how = a
          ? `${a.outcome === 'done' ? 'Done' : 'Not applicable'}: attested by ${ctx.person(a.by)} at ${isoTime(a.at)}${a.note ? `. Note: ${a.note}` : ''}`
          : 'Open: waiting for attestation';
        return `${i.label} (${i.id}): ${how}${i.link ? `. Console: ${i.link}` : ''}`;
      }),
      { size: 8.5 },
      INDENT + 130,
    );
  }
  if (!s.attestation && s.state !== 'open')
    f(
      'Verification',
      s.verification?.checks === 0
        ? `By its inventory listing, read at ${isoTime(s.verification.first_confirmed_at)}: nothing left to change, no read-back`
        : s.verification
          ? `${plural(s.verification.checks, 'read-back check')}, first confirmed at ${isoTime(s.verification.first_confirmed_at)}, elapsed ${duration(s.verification.elapsed_ms)}`
          : 'Not verified',
    );
  f('Attempts', `${s.attempts}${s.retries.length ? `, ${plural(s.retries.length, 'retry', 'retries')}` : ', no retries'}`);
  layout.bullets(
    s.retries.map((r) => `Attempt ${r.attempt} at ${isoTime(r.at)}: ${r.error}; retried after ${duration(r.retry_in_ms)}`),
    { size: 8.5 },
    INDENT + 130,
  );
  if (s.state === 'failed') {
    const last = ctx.view.failures.findLast((e) => e.stepId === s.id);
    layout.alert(
      last ? `FAILED on attempt ${last.attempt} at ${isoTime(last.at)}: ${s.error ?? last.error}` : `FAILED: ${s.error ?? 'no error recorded'}`,
      INDENT,
    );
  } else if (s.error) f('Last error', s.error);
}
