import type { EvidencePack } from './evidence-pack.js';
import { isoTime } from './format.js';
import { approvalsSection } from './pdf-approvals.js';
import { pdfContext } from './pdf-context.js';
import { controlsSection, exceptionsSection, integritySection, retentionSection, scopeSection } from './pdf-closing.js';
import { coverPage, summaryPage } from './pdf-cover.js';
import { prepareShaping } from './pdf-fonts.js';
import { openEvidencePdf } from './pdf-file.js';
import { systemsSection } from './pdf-systems.js';
import { timelineSection } from './pdf-timeline.js';

/**
 * The PDF a person files, rendered from the pack JSON alone, so both say the same. PDF/A-2b:
 * every font embedded (subset), no transparency, XMP metadata and an sRGB output intent (pdfkit
 * writes both for this subset). Times come from the pack, so the same pack gives the same text.
 *
 * Draws on the calling thread, which a long report keeps busy for a few hundred milliseconds: only
 * the render thread calls it (`renderEvidencePdf` sends the work there).
 */
export async function drawEvidencePdf(pack: EvidencePack, integrity: { jsonSha256: string; keyId?: string }): Promise<Buffer> {
  await prepareShaping(pack);
  const { doc, layout, done } = openEvidencePdf({
    title: `Offboarding evidence ${pack.request_id} round ${pack.round}`,
    subject: 'Offboarding evidence pack',
    generator: pack.generator,
    created: new Date(pack.generated_at || 0),
  });
  const ctx = pdfContext(pack, layout, integrity.jsonSha256, integrity.keyId);
  coverPage(ctx);
  summaryPage(ctx);
  layout.newPage();
  approvalsSection(ctx);
  timelineSection(ctx);
  systemsSection(ctx);
  retentionSection(ctx);
  exceptionsSection(ctx);
  scopeSection(ctx);
  controlsSection(ctx);
  integritySection(ctx);
  layout.footers((page, pages) => [
    { left: `Offboarding evidence ${pack.request_id} · round ${pack.round} · generated ${isoTime(pack.generated_at)}`, right: `Page ${page} of ${pages}` },
    { left: `JSON SHA-256 ${integrity.jsonSha256}`, right: integrity.keyId ? `Signing key ${integrity.keyId}` : 'Unsigned' },
    { left: `Chain head ${pack.chain.head}` },
  ]);
  doc.end();
  return done;
}
