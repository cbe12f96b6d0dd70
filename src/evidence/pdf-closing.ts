import { rotationTasks, type RotationTask } from '../runs/handed-over.js';
import { roundName } from '../runs/run-view.js';
import { isoTime, plural } from './format.js';
import { COLORS } from './pdf-layout.js';
import type { PdfContext } from './pdf-context.js';
import type { PackRotationTask } from './evidence-pack.js';

export function retentionSection(ctx: PdfContext): void {
  const { layout, pack } = ctx;
  const r = pack.request;
  layout.heading('Retention and hand-over');
  layout.field('Disposition', r?.disposition.label ?? 'not recorded');
  for (const e of ctx.view.deletions) {
    layout.field('Deletion due', `${isoTime(e.deleteAt)} (scheduled at ${isoTime(e.at)})${deletionFate(ctx)}`);
  }
  layout.field('Successor', r?.successor_slack_user_id ? ctx.person(r.successor_slack_user_id) : 'none named');
  // The trail records no hand-over action beyond what the steps kept and the bot's rotations: the PDF
  // says what those did, and that anything else (the person's data) was recorded, never acted upon.
  const rotated = rotationTasks(ctx.view).filter((t) => t.bot);
  const kept = new Set(ctx.view.steps.flatMap((s) => (s.changes ?? []).filter((c) => c.outcome === 'kept').map((c) => `${s.ref.scope}/${c.id}`))).size;
  layout.field(
    'Hand-over',
    !r?.successor_slack_user_id
      ? 'none: no successor was named, and the bot handed nothing over'
      : kept
        ? `${plural(kept, 'item')} the person created kept working for the successor, listed under each step as handed over (${rotated.length ? `the bot rotated only the ${plural(rotated.length, 'credential')} below` : 'no credential was rotated by the bot'}); anything else, their data included, recorded, not acted upon`
        : 'recorded, not acted upon: a successor was named, and the bot handed nothing over (nothing the person created was kept working for them)',
  );
  if (rotated.length) layout.bullets(rotated.map((t) => botRotationLine(ctx, t)));
  const tasks = pack.rotation_tasks ?? [];
  if (tasks.length) {
    const open = tasks.filter((t) => t.state === 'open').length;
    layout.field(
      'Rotation tasks',
      `${plural(tasks.length, 'credential')} the person made or has seen, to be rotated: ${open ? `${open} still open` : 'every one closed'}`,
    );
    layout.bullets(tasks.map((t) => rotationTaskLine(ctx, t)));
  }
  if (r?.created_items) {
    const to = r.created_items.choice === 'hand_over' && r.successor_slack_user_id ? ` (${ctx.person(r.successor_slack_user_id)})` : '';
    layout.field('What they created', `${r.created_items.label}${to}`);
  }
  layout.paragraph(
    'Resources the person created (services, apps, machines, data) keep running after their access ends, until someone takes them over outside this bot. ' +
      'Scheduled jobs that ran under the person\u2019s identity stop.',
    { size: 9 },
  );
  const reinstated = pack.rounds.filter((x) => x.kind === 'reinstatement');
  // Beside the rounds that reinstated (their plans are listed among the events too), any other reinstatement event.
  const plans = new Set(ctx.view.rounds.filter((x) => x.phase === 'reinstate').map((x) => x.seq));
  const others = pack.reinstatements.filter((e) => !plans.has(e.seq)).length;
  layout.field(
    'Reinstatements',
    reinstated.length || others
      ? [
          ...reinstated.map(
            (x) =>
              `round ${x.round}, ${roundName(x, ctx.person)} at ${isoTime(x.planned_at)}: ${plural(x.restored.length, 'item')} restored${x.outcome ? ` (round outcome: ${x.outcome})` : ' (not finished)'}`,
          ),
          ...(others ? [plural(others, 'other event')] : []),
        ].join('; ')
      : 'none',
  );
  layout.field('Re-scans', pack.rescans.length ? plural(pack.rescans.length, 'event') : 'none');
  layout.field(
    'Downloads of this evidence',
    pack.downloads.length
      ? pack.downloads.map((d) => `${ctx.person(d.actor)} ${d.outcome} (${d.via}) at ${isoTime(d.at)}${d.reason ? `: ${d.reason}` : ''}`).join('; ')
      : 'none before this pack was made',
  );
  layout.paragraph(
    'This pack (JSON, PDF and, when signed, the manifest) goes by direct message to compliance and to the approvers who ask for it, each delivery recorded in the trail; it is posted in the request\u2019s Slack thread only where OFFBOARD_EVIDENCE_IN_THREAD is on, and stored on disk where OFFBOARD_EVIDENCE_DIR is set.',
    { size: 9, color: COLORS.muted },
  );
}

/** What became of the scheduled deletion, as far as the trail goes. */
function deletionFate(ctx: PdfContext): string {
  const later = ctx.pack.rounds.find((x) => x.kind === 'scheduled' || x.kind === 'grace_ended' || x.kind === 'reinstatement');
  if (!later) return '';
  return later.kind === 'reinstatement'
    ? `; not run: the person was reinstated in round ${later.round} (${roundName(later, ctx.person)})`
    : `; ran in round ${later.round}, ${roundName(later, ctx.person)}, at ${isoTime(later.planned_at)}`;
}

export function exceptionsSection(ctx: PdfContext): void {
  const { layout, pack } = ctx;
  layout.heading('Exceptions');
  if (!pack.exceptions.length) {
    layout.paragraph('None: no step failed or was retried, and nothing was refused or repaired.', { size: 9.5 });
    return;
  }
  layout.table(
    [
      { header: 'Time', width: 0.17 },
      { header: 'Exception', width: 0.15 },
      { header: 'Where / who', width: 0.2 },
      { header: 'What happened', width: 0.24 },
      { header: 'What was done', width: 0.24 },
    ],
    pack.exceptions.map((x) => [
      isoTime(x.at),
      x.kind.replace(/_/g, ' '),
      x.kind === 'approval_refused' ? ctx.person(x.subject) : ctx.stepLabel(x.subject),
      x.detail,
      x.resolution,
    ]),
    7,
  );
}

export function scopeSection(ctx: PdfContext): void {
  const { layout, pack } = ctx;
  layout.heading('Scope');
  const scopes = [...new Set(pack.steps.map((s) => `${s.system_title} ${s.scope === s.scope_noun ? s.scope_noun : `${s.scope_noun} ${s.scope}`}`))];
  const kinds = [...new Set(pack.steps.map((s) => s.title))];
  layout.subheading('What was checked');
  layout.bullets([
    scopes.length ? `Systems and scopes: ${scopes.join('; ')}.` : 'No system was checked.',
    kinds.length ? `In each: ${kinds.join(', ')}.` : 'No steps.',
    `The person was looked up by the email on their Slack profile${pack.request ? ` (${pack.request.subject.email})` : ''}, and by the identities recorded in earlier rounds.`,
    'Each change was read back from the system until it showed, or the step failed saying so.',
  ]);
  layout.subheading('What is not covered');
  layout.bullets([
    'Systems not connected to this bot, and identities of the person under another email.',
    rotationTasks(ctx.view).some((t) => t.bot)
      ? 'Resources the person created keep running; of the shared credentials they knew, the bot rotated only those listed under Retention and hand-over.'
      : 'Resources the person created keep running; shared credentials they knew are not rotated by this run.',
    ...(pack.not_covered ?? []).map((clause) => `${clause.charAt(0).toUpperCase()}${clause.slice(1)}.`),
  ]);
}

const CONTROLS: Array<[string, string, string]> = [
  [
    'NIST SP 800-53 PS-4',
    'Personnel termination: disable access, revoke credentials, retain access to information',
    'Summary; Per-system detail; Retention and hand-over',
  ],
  ['NIST SP 800-53 PS-5', 'Personnel transfer: review and adjust access on reassignment', 'Request and approvals (reason); Retention and hand-over'],
  ['NIST SP 800-53 AC-2', 'Account management: authorised, recorded removal of accounts', 'Request and approvals; Timeline; Per-system detail'],
  ['SOC 2 CC6.2', 'Access removed when no longer authorised', 'Summary; Per-system detail; Exceptions'],
  ['SOC 2 CC6.3', 'Access changes authorised, with separation of duties', 'Request and approvals; Timeline'],
  ['ISO/IEC 27001:2022 A.5.18', 'Access rights revoked on termination', 'Summary; Per-system detail; Scope'],
  ['ISO/IEC 27001:2022 A.6.5', 'Responsibilities after termination or change of employment', 'Retention and hand-over; Exceptions'],
];

export function controlsSection(ctx: PdfContext): void {
  const { layout } = ctx;
  layout.heading('Control references');
  layout.table(
    [
      { header: 'Control', width: 0.22 },
      { header: 'Asks for', width: 0.43 },
      { header: 'Satisfied by', width: 0.35 },
    ],
    CONTROLS,
    8,
  );
}

export function integritySection(ctx: PdfContext): void {
  const { layout, pack } = ctx;
  layout.heading('Integrity');
  layout.field(
    'Chain',
    `${pack.chain.version}: each entry commits to the previous one by SHA-256 over RFC 8785 canonical JSON; the first commits to the request id`,
  );
  layout.field('Genesis', pack.chain.genesis);
  layout.field('Chain head', pack.chain.head);
  layout.field('Entries', String(pack.chain.length));
  layout.field('JSON SHA-256', ctx.jsonSha256);
  layout.field(
    'Signature',
    ctx.keyId ? `Ed25519, key ${ctx.keyId}: check with npm run verify -- <pack>.json --manifest <pack>.manifest.json --public-key <public.pem>` : 'Unsigned',
  );
  layout.paragraph('npm run verify -- <pack>.json recomputes the chain and the pack from the file; every statement in this PDF comes from that JSON.', {
    size: 9,
    color: COLORS.muted,
  });
}

/** One rotation task as it stands: open, attested by a person (not read back), or rotated by the bot (read back). */
function rotationTaskLine(ctx: PdfContext, t: PackRotationTask): string {
  const what = `${t.label} (${t.id}), ${t.where}`;
  const note = t.note ? `; ${t.state === 'not_needed' ? 'reason' : 'note'}: ${t.note}` : '';
  switch (t.state) {
    case 'open':
      return `${what}: OPEN, not rotated yet.`;
    case 'rotated_myself':
      return `${what}: rotated, attested by ${ctx.person(t.closed_by!)} at ${isoTime(t.closed_at!)}; not read back${note}.`;
    case 'not_needed':
      return `${what}: not needed, attested by ${ctx.person(t.closed_by!)} at ${isoTime(t.closed_at!)}; not read back${note}.`;
    case 'rotated_by_bot':
      return `${what}: rotated by the bot at ${ctx.person(t.closed_by!)}'s request, the old one disabled at ${isoTime(t.closed_at!)}, confirmed by read-back${note}.`;
  }
}

/** One credential the bot rotated (Rotate for me), each stage with who and when, and what was read back. */
function botRotationLine(ctx: PdfContext, t: RotationTask): string {
  const b = t.bot!;
  const parts = [`${t.label} (${t.id}), ${t.where}: Rotate for me asked by ${ctx.person(b.requested.actor)} at ${isoTime(b.requested.at)}`];
  if (b.replaced)
    parts.push(
      `replacement ${b.replaced.replacementName} (${b.replaced.replacementId}) made by the bot at ${isoTime(b.replaced.replacementCreatedAt)}, its secret collected in the console`,
    );
  for (const s of b.switches) parts.push(`switched, said by ${ctx.person(s.actor)} at ${isoTime(s.at)}`);
  for (const h of b.holds) parts.push(`the old one signed in at ${isoTime(h.lastUsed)}, after the replacement was made: nothing disabled`);
  if (b.retired) parts.push(`the old one disabled at ${isoTime(b.retired.at)}, confirmed by read-back${b.retired.detail ? ` (${b.retired.detail})` : ''}`);
  if (b.deleted)
    parts.push(`deleted at the delete phase at ${isoTime(b.deleted.at)}, confirmed by read-back${b.deleted.detail ? ` (${b.deleted.detail})` : ''}`);
  else if (b.retired) parts.push('to be deleted at the delete phase');
  if (b.failed) parts.push(`the bot stopped: ${b.failed.error}`);
  return `${parts.join('; ')}.`;
}
