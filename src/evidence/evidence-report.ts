import PDFDocument from 'pdfkit';
import type { AuditRecord } from '../audit/audit-event.js';
import type { OffboardRequest } from '../requests/request.js';
import { isoTime } from './format.js';
import { Layout } from './pdf-layout.js';
import { reportContext } from './report-context.js';
import { controlsSection, decisionSection, requestSection, summarySection } from './report-sections.js';
import { stepsSection } from './step-sections.js';
import { trailSection } from './trail-table.js';

export interface EvidenceInput {
  /** The request as stored. */
  request: OffboardRequest;
  /** The request's full audit trail, in order. */
  trail: AuditRecord[];
  generatedAt: Date;
  /** Optional display names for step scopes (IBM account ids). */
  accountNames?: Record<string, string>;
  /** Optional Slack user id -> display name. */
  people?: Record<string, string>;
}

export function evidenceFilename(request: OffboardRequest, round = 1): string {
  return `offboarding-evidence-${request.id.replace(/[^A-Za-z0-9._-]/g, '-')}${round > 1 ? `-round${round}` : ''}.pdf`;
}

/**
 * Renders the PDF compliance downloads. Everything in it comes from the request and its trail;
 * the same input always gives the same text.
 */
export async function renderEvidenceReport(input: EvidenceInput): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 50, bottom: 60, left: 50, right: 50 },
    bufferPages: true,
    info: {
      Title: `Offboarding evidence report ${input.request.id}`,
      Subject: 'Offboarding evidence',
      Creator: 'offboard-bot',
      CreationDate: input.generatedAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const layout = new Layout(doc);
  const ctx = reportContext(input, layout);
  summarySection(ctx);
  requestSection(ctx);
  decisionSection(ctx);
  stepsSection(ctx);
  trailSection(ctx);
  controlsSection(ctx);
  layout.footers(`Offboarding evidence · ${input.request.id} · generated ${isoTime(input.generatedAt)}`);
  doc.end();
  return done;
}
