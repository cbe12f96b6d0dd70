import type { BatchSummary } from './batch-summary.js';
import { isoTime } from './format.js';
import { prepareShaping } from './pdf-fonts.js';
import { openEvidencePdf } from './pdf-file.js';
import { COLORS } from './pdf-layout.js';

const OUTCOMES: Record<string, string> = {
  verified: 'every step verified',
  attested: 'every step verified or attested',
  residual: 'residual access remained',
  failures: 'with failed steps',
  unchecked: 'verified, except steps that could not look',
};

/**
 * The batch summary's PDF, drawn from its JSON alone (so both say the same) and in the packs' format
 * (PDF/A-2b, fonts embedded): the decision, then one row per person with their pack's SHA-256.
 */
export async function drawBatchSummaryPdf(summary: BatchSummary, integrity: { jsonSha256: string; keyId?: string }): Promise<Buffer> {
  await prepareShaping(summary);
  const { doc, layout, done } = openEvidencePdf({
    title: `Offboarding batch summary ${summary.batch_id}`,
    subject: 'Offboarding batch summary',
    generator: summary.generator,
    created: new Date(summary.generated_at),
  });
  const packs = summary.members.filter((m) => m.pack).length;
  layout.title('Offboarding batch summary');
  layout.paragraph(
    "One bulk request: each person in it, their request, where it stands and the SHA-256 of their evidence pack. Each person's pack is the record of their offboarding; this summary lists them.",
    { size: 10, color: COLORS.muted },
  );
  layout.gap(12);
  // First thing on the page: a row drawn from an altered trail cannot be taken as fact.
  if (summary.chains_broken.length) {
    layout.alert(
      `THE AUDIT TRAIL OF ${summary.chains_broken.join(', ')} IS BROKEN: it was altered after it was recorded. What this summary states of ${summary.chains_broken.length === 1 ? 'that request' : 'those requests'} may be forged; compare with an earlier pack or a backup of the trail.`,
    );
    layout.gap(8);
  }
  layout.field('Bulk request', summary.batch_id);
  layout.field('People', `${summary.size} named in the request form; ${summary.members.length} requests stored`);
  layout.field(
    'Decision',
    summary.decision ? `approved by ${summary.decision.by} at ${isoTime(summary.decision.at)}` : 'no approval of the bulk request is stored',
  );
  layout.field('Evidence packs', `${packs} of ${summary.members.length} requests have a stored pack`);
  layout.field('Generated at', isoTime(summary.generated_at));
  layout.field('Generator', `${summary.generator.name} ${summary.generator.version}, commit ${summary.generator.commit}`);
  layout.field('Signature', integrity.keyId ? `Signed: detached Ed25519 manifest, key ${integrity.keyId}` : 'Unsigned: no signing key was configured');
  layout.heading('People');
  layout.table(
    [
      { header: 'Request', width: 0.13 },
      { header: 'Person', width: 0.27 },
      { header: 'State', width: 0.25 },
      { header: 'Evidence pack (JSON SHA-256)', width: 0.35 },
    ],
    summary.members.map((m) => [
      m.request_id,
      `${m.subject.name} <${m.subject.email}>${m.subject.slack_user_id ? ` (${m.subject.slack_user_id})` : ''}`,
      `${m.chain.intact ? '' : `AUDIT TRAIL BROKEN (${m.chain.detail}); as recorded: `}${m.state_label}${m.last_outcome ? `; last round ${OUTCOMES[m.last_outcome] ?? m.last_outcome}` : ''}`,
      m.pack ? `round ${m.pack.round}: ${m.pack.sha256 ?? 'no digest recorded'}` : 'no pack stored',
    ]),
  );
  layout.footers((page, pages) => [
    { left: `Offboarding batch summary ${summary.batch_id} · generated ${isoTime(summary.generated_at)}`, right: `Page ${page} of ${pages}` },
    { left: `JSON SHA-256 ${integrity.jsonSha256}`, right: integrity.keyId ? `Signing key ${integrity.keyId}` : 'Unsigned' },
  ]);
  doc.end();
  return done;
}
