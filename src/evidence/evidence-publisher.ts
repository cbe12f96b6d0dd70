import type { WebClient } from '@slack/web-api';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { RequestStore } from '../requests/request-store.js';
import { evidenceFilename, renderEvidenceReport } from './evidence-report.js';

/** Renders the evidence PDF from the audit trail and uploads it to the request's thread, once. */
export class EvidencePublisher {
  constructor(
    private readonly store: RequestStore,
    private readonly audit: AuditTrail,
    private readonly slack: WebClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async publish(requestId: string): Promise<void> {
    const trail = await this.audit.read(requestId);
    if (trail.some((e) => e.type === 'report.published')) return;
    const request = await this.store.mustGet(requestId);
    const pdf = await renderEvidenceReport({ request, trail, generatedAt: this.now() });
    const filename = evidenceFilename(request);
    // Approval happens on the approval message, so an approved request always has its thread.
    const thread = request.approvalMessage;
    if (!thread) throw new Error(`${requestId} has no approval message to attach the evidence to`);
    const uploaded = await this.slack.files.uploadV2({
      file: pdf,
      filename,
      title: `Offboarding evidence ${request.id}`,
      channel_id: thread.channel,
      thread_ts: thread.ts,
      initial_comment: `Evidence report for ${request.id}: who asked, who approved, what was found, removed and verified.`,
    });
    await this.audit.append(requestId, { type: 'report.published', fileId: uploadedFileId(uploaded) ?? 'unknown', filename });
  }
}

function uploadedFileId(result: unknown): string | undefined {
  const completions = (result as { files?: { files?: { id?: string }[] }[] }).files ?? [];
  return completions.flatMap((c) => c.files ?? []).find((f) => f.id)?.id;
}
