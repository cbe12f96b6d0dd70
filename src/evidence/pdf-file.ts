import PDFDocument from 'pdfkit';
import { defaultFont, FontBook } from './pdf-fonts.js';
import { Layout, MARGINS } from './pdf-layout.js';
import { TextSetter } from './pdf-text.js';

/** Who made a document, as the packs and summaries state it. */
export interface PdfGenerator {
  name: string;
  version: string;
  commit: string;
}

/**
 * A PDF/A-2b document in the evidence's format (A4, fonts embedded as subsets, XMP metadata and an
 * sRGB output intent, which pdfkit writes for this subset), its layout, and its bytes once ended.
 * Its dates are the document's own (`created`), so the same input gives the same text.
 */
export function openEvidencePdf(o: { title: string; subject: string; generator: PdfGenerator; created: Date }) {
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
      Title: o.title,
      Subject: o.subject,
      Author: o.generator.name,
      Creator: `${o.generator.name} ${o.generator.version} (${o.generator.commit})`,
      CreationDate: o.created,
      ModDate: o.created,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const layout = new Layout(doc, new TextSetter(doc, new FontBook(doc)));
  return { doc, layout, done };
}
