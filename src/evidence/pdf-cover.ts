import { roundName } from '../runs/run-view.js';
import { ASSURANCE_LABELS, type Assurance } from './assurance.js';
import { duration, isoTime, plural } from './format.js';
import { COLORS } from './pdf-layout.js';
import { scopeText, type PdfContext } from './pdf-context.js';

/** Page 1: who, what came of it, and when access ended. */
export function coverPage(ctx: PdfContext): void {
  const { layout, pack } = ctx;
  const r = pack.request;
  layout.gap(60);
  layout.title('Offboarding evidence');
  layout.paragraph('Evidence pack: the record of one offboarding, rendered from its tamper-evident audit trail.', { size: 10, color: COLORS.muted });
  layout.gap(24);
  // First thing on the page: nothing below can be taken as fact once the trail was altered.
  if (!pack.chain.checked.intact) {
    layout.alert(
      `THE AUDIT TRAIL IS BROKEN: it was altered after it was recorded (${pack.chain.checked.detail}). What this pack states may be forged; compare it with an earlier pack or a backup of the trail.`,
    );
    layout.gap(8);
  }
  const ok = pack.outcome.result === 'verified' || pack.outcome.result === 'attested' || pack.outcome.result === 'reinstated';
  layout.field('Request', pack.request_id, { size: 12 });
  layout.field('Person', r ? `${r.subject.name} <${r.subject.email}> (${r.subject.slack_user_id ?? 'no Slack account'})` : 'not recorded', { size: 12 });
  const color = ok ? COLORS.ok : pack.outcome.result === 'unchecked' || pack.outcome.result === 'residual' ? COLORS.warn : COLORS.bad;
  layout.field('Outcome', pack.outcome.text, { size: 12, bold: true, color });
  layout.field('Access ended', accessEnded(ctx), { size: 12 });
  layout.field('Effective time', r?.effective_at ? isoTime(r.effective_at) : 'at approval', { size: 12 });
  const round = pack.rounds.find((x) => x.round === pack.round);
  layout.field('Round', round ? `${pack.round}: ${roundName(round, ctx.person)}` : String(pack.round), { size: 12 });
  layout.field('Generated at', `${isoTime(pack.generated_at)} (the time of the last entry covered)`, { size: 12 });
  // A pack made again (rotation tasks closed after the round's pack): the earlier one is in the trail it covers.
  const earlier = ctx.view.reports.findLast((e) => e.round === pack.round);
  if (earlier)
    layout.field(
      'Supersedes',
      `the pack of this round stored at ${isoTime(earlier.at)}${earlier.sha256 ? ` (JSON SHA-256 ${earlier.sha256})` : ''}: made again from the whole trail because rotation tasks were closed after it`,
      { size: 10 },
    );
  layout.field('Generator', `${pack.generator.name} ${pack.generator.version}, commit ${pack.generator.commit}`, { size: 10 });
  layout.field(
    'Signature',
    ctx.keyId
      ? `Signed: detached Ed25519 manifest, key ${ctx.keyId}`
      : 'Unsigned: no signing key was configured; the hash chain still shows any change to the trail',
    { size: 10 },
  );
  layout.field('JSON SHA-256', ctx.jsonSha256, { size: 9 });
  layout.field('Chain head', `${pack.chain.head} (${plural(pack.chain.length, 'entry', 'entries')})`, { size: 9 });
}

function accessEnded(ctx: PdfContext): string {
  const { outcome } = ctx.pack;
  if (!outcome.access_ended_at) return 'Not confirmed: not every step of the first round was verified by read-back or attested';
  const delay = outcome.delay_from_effective_ms;
  return `${isoTime(outcome.access_ended_at)}${delay !== null ? `, ${duration(delay)} after the effective time` : ''}`;
}

/** Page 2: every system and step with its final state and how that state is known. */
export function summaryPage(ctx: PdfContext): void {
  const { layout, pack } = ctx;
  layout.newPage();
  layout.heading('Summary');
  const counts = new Map<Assurance, number>();
  for (const s of pack.steps) counts.set(s.assurance, (counts.get(s.assurance) ?? 0) + 1);
  const count = (state: string) => pack.steps.filter((s) => s.state === state).length;
  const other = pack.steps.length - count('verified') - count('failed') - count('unchecked');
  if (pack.steps.length)
    layout.paragraph(
      `${plural(pack.steps.length, 'step')} planned: ${count('verified')} verified, ${count('failed')} failed${count('unchecked') ? `, ${count('unchecked')} not checked (the bot could not look)` : ''}${other ? `, ${other} not finished` : ''}.`,
      { size: 9.5, bold: true },
    );
  layout.paragraph(
    pack.steps.length
      ? `${plural(pack.steps.length, 'step')}: ${(Object.keys(ASSURANCE_LABELS) as Assurance[]).map((a) => `${counts.get(a) ?? 0} ${ASSURANCE_LABELS[a].toLowerCase()}`).join(', ')}.`
      : 'No revocation steps were planned.',
    { size: 9.5 },
  );
  layout.paragraph(
    'Assurance: verified by read-back (the system was read again and showed the change); verified by its listing (the step changed nothing: its inventory, read at the time given, showed nothing left); acknowledged by the system (it accepted every change, no read-back confirmed it); attested by a person; residual / not verified (access may remain); not checked (the bot could not look in that scope: nothing there is vouched for).',
    { size: 8, color: COLORS.muted },
  );
  layout.gap(4);
  if (pack.exceptions.some((x) => x.kind === 'found_nothing')) {
    layout.alert(
      `Nothing was found for ${pack.request?.subject.email ?? 'the person'} in any system. If the person uses another email there, their access was not touched by this run.`,
    );
  }
  if (!pack.steps.length) return;
  const size = pack.steps.length > 45 ? 6.5 : 8;
  layout.table(
    [
      { header: 'System and scope', width: 0.3 },
      { header: 'Step', width: 0.2 },
      { header: 'Phase', width: 0.1 },
      { header: 'Final state', width: 0.14 },
      { header: 'Assurance', width: 0.26 },
    ],
    pack.steps.map((s) => [scopeText(s), s.title, s.phase, s.state, ASSURANCE_LABELS[s.assurance]]),
    size,
  );
}
