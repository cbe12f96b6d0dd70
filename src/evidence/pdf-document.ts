import PDFDocument from 'pdfkit';
import type { EvidencePack } from './evidence-pack.js';
import { isoTime } from './format.js';
import { approvalsSection } from './pdf-approvals.js';
import { pdfContext } from './pdf-context.js';
import { controlsSection, exceptionsSection, integritySection, retentionSection, scopeSection } from './pdf-closing.js';
import { coverPage, summaryPage } from './pdf-cover.js';
import { defaultFont, FontBook, prepareShaping } from './pdf-fonts.js';
import { Layout, MARGINS } from './pdf-layout.js';
import { systemsSection } from './pdf-systems.js';
import { TextSetter } from './pdf-text.js';
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
  const created = new Date(pack.generated_at || 0);
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGINS,
    bufferPages: true,
    autoFirstPage: true,
    pdfVersion: '1.7',
    subset: 'PDF/A-2b',
    lang: 'en',
    // pdfkit takes a parsed fontkit font; its types list only paths and buffers.
    font: defaultFont() as unknown as string,
    displayTitle: true,
    info: {
      Title: `Offboarding evidence ${pack.request_id} round ${pack.round}`,
      Subject: 'Offboarding evidence pack',
      Author: pack.generator.name,
      Creator: `${pack.generator.name} ${pack.generator.version} (${pack.generator.commit})`,
      CreationDate: created,
      ModDate: created,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const layout = new Layout(doc, new TextSetter(doc, new FontBook(doc)));
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
