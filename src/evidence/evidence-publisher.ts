import type { WebClient } from '@slack/web-api';
import type { AuditRecord } from '../audit/audit-event.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { OffboardRequest } from '../requests/request.js';
import type { RequestStore } from '../requests/request-store.js';
import type { SlackDirectory } from '../slack/slack-directory.js';
import { evidenceFilename, renderEvidenceReport } from './evidence-report.js';

/** Renders the evidence PDF from the audit trail and uploads it to the request's thread, once. */
export class EvidencePublisher {
  constructor(
    private readonly store: RequestStore,
    private readonly audit: AuditTrail,
    private readonly slack: WebClient,
    private readonly directory: SlackDirectory,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Each round gets its own report, covering the whole trail so far. */
  async publish(requestId: string, round: number): Promise<void> {
    const trail = await this.audit.read(requestId);
    if (trail.some((e) => e.type === 'report.published' && e.round === round)) return;
    const request = await this.store.mustGet(requestId);
    const pdf = await renderEvidenceReport({ request, trail, generatedAt: this.now(), people: await this.names(request, trail) });
    const filename = evidenceFilename(request, round);
    // Approval happens on the approval message, so an approved request always has its thread.
    const thread = request.approvalMessage;
    if (!thread) throw new Error(`${requestId} has no approval message to attach the evidence to`);
    const uploaded = await this.slack.files.uploadV2({
      file: pdf,
      filename,
      title: `Offboarding evidence ${request.id}${round > 1 ? ` (after retry ${round - 1})` : ''}`,
      channel_id: thread.channel,
      thread_ts: thread.ts,
      initial_comment: `Evidence report for ${request.id}: who asked, who approved, what was found, removed and verified.`,
    });
    await this.audit.append(requestId, { type: 'report.published', round, fileId: uploadedFileId(uploaded) ?? 'unknown', filename });
  }

  /** Names of everyone the report mentions by Slack id, as Slack knows them now. */
  private async names(request: OffboardRequest, trail: AuditRecord[]): Promise<Record<string, string>> {
    const ids = new Set(trail.flatMap((e) => ('actor' in e ? [e.actor] : e.type === 'run.planned' && e.by ? [e.by] : [])));
    if (request.successorSlackUserId) ids.add(request.successorSlackUserId);
    const people = await Promise.all([...ids].map(async (id) => [id, (await this.directory.person(id).catch(() => undefined))?.name] as const));
    return Object.fromEntries(people.filter((p): p is readonly [string, string] => Boolean(p[1])));
  }
}

function uploadedFileId(result: unknown): string | undefined {
  const completions = (result as { files?: { files?: { id?: string }[] }[] }).files ?? [];
  return completions.flatMap((c) => c.files ?? []).find((f) => f.id)?.id;
}
