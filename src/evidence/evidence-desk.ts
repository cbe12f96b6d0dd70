import type { Queue } from 'bullmq';
import type { EvidenceChannel } from '../audit/audit-event.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { ApproverSource } from '../config/config.js';
import { FINISH_RUN_JOB } from '../queue/queue-names.js';
import { beingOffboardedReason } from '../requests/approval-policy.js';
import { openAboutUser } from '../requests/open-about-user.js';
import type { RequestStore } from '../requests/request-store.js';
import type { SlackDirectory } from '../slack/slack-directory.js';
import { runView } from '../runs/run-view.js';
import { queueDelivery, queueSummaryDelivery } from './evidence-delivery.js';

/** How someone asked for the pack; compliance is also sent it unasked, when a round finishes. */
type Asked = Exclude<EvidenceChannel, 'compliance'>;

/** Repeats of one refused download within this window are counted, not each recorded. */
const REFUSAL_WINDOW_MS = 10 * 60_000;

export type EvidenceAnswer =
  | { kind: 'given'; text: string }
  | { kind: 'refused'; reason: string }
  /** Nothing to give yet, or a report is being generated: said as it is, nothing recorded. */
  | { kind: 'not_now'; text: string };

export interface EvidenceDeskOptions {
  store: RequestStore;
  audit: AuditTrail;
  directory: SlackDirectory;
  compliance: ApproverSource | undefined;
  runs: Queue;
  attempts: number;
}

/**
 * Compliance's counter: the stored evidence pack for approvers and for OFFBOARD_COMPLIANCE, sent to
 * the asker by direct message, with every delivery and every refusal written to the trail; and
 * "Generate report" for a finished run whose pack could not be stored.
 */
export class EvidenceDesk {
  private readonly store: RequestStore;
  private readonly audit: AuditTrail;
  private readonly directory: SlackDirectory;
  private readonly compliance: ApproverSource | undefined;
  private readonly runs: Queue;
  private readonly attempts: number;

  constructor({ store, audit, directory, compliance, runs, attempts }: EvidenceDeskOptions) {
    this.store = store;
    this.audit = audit;
    this.directory = directory;
    this.compliance = compliance;
    this.runs = runs;
    this.attempts = attempts;
  }

  /** Membership is read at the moment of asking, like approvals. */
  async mayHaveEvidence(userId: string): Promise<boolean> {
    if (await this.directory.isApprover(userId)) return true;
    return this.compliance ? (await this.directory.members(this.compliance)).includes(userId) : false;
  }

  async download(requestId: string, actorId: string, via: Asked): Promise<EvidenceAnswer> {
    const refused = await this.refusal(requestId, actorId, via);
    if (refused) return refused;
    const report = runView(await this.audit.read(requestId)).reports.at(-1);
    if (!report) return { kind: 'not_now', text: `No evidence pack is stored for ${requestId} yet: it is stored when the run finishes.` };
    // Sent by direct message, where only the asker can open it; the delivery is recorded when it is made.
    await queueDelivery(
      this.runs,
      { requestId, round: report.round, userId: actorId, via, ...((report.revision ?? 1) > 1 ? { revision: report.revision } : {}) },
      this.attempts,
    );
    return {
      kind: 'given',
      text: [
        `:card_index_dividers: The evidence pack of *${requestId}*, round ${report.round}, is on its way to you by direct message (PDF, JSON${report.keyId ? ', signed manifest' : ''}).`,
        ...(report.sha256 ? [`JSON SHA-256 \`${report.sha256}\``] : []),
        ...(report.chainHead ? [`Chain head \`${report.chainHead}\``] : []),
        report.keyId ? `Signed with key \`${report.keyId}\`.` : 'Unsigned.',
        report.keyId
          ? 'Check it with `npm run verify -- <file.json> --manifest <file.manifest.json> --public-key <public.pem>`.'
          : 'Check its chain with `npm run verify -- <file.json> --allow-unsigned`.',
      ].join('\n'),
    };
  }

  /**
   * The summary of a bulk request (each person, their request, where it stands, their pack's
   * SHA-256), made now and sent to the asker by direct message, for approvers and compliance as the
   * packs are. A refusal is recorded in the trail of each request of it.
   */
  async downloadBatch(batchId: string, actorId: string, via: Asked): Promise<EvidenceAnswer> {
    const ids = await this.store.batchMembers(batchId);
    if (!ids.length) return { kind: 'not_now', text: `There is no bulk request ${batchId}.` };
    const reason = await this.refusalReason(actorId);
    if (reason) {
      for (const id of ids) await this.recordRefusal(id, actorId, via, reason);
      return { kind: 'refused', reason };
    }
    await queueSummaryDelivery(this.runs, { batchId, userId: actorId, via }, this.attempts);
    return {
      kind: 'given',
      text: `:card_index_dividers: The summary of bulk request *${batchId}* (${ids.length} requests: each one's state and its evidence pack's SHA-256) is on its way to you by direct message (PDF, JSON, signed manifest when a signing key is configured). Each person's own pack: \`/offboard report <id>\`.`,
    };
  }

  /** Queues the finishing job again; it stores the missing pack and completes the request. Concurrent clicks queue one. */
  async generate(requestId: string, actorId: string): Promise<EvidenceAnswer> {
    const refused = await this.refusal(requestId, actorId, 'button');
    if (refused) return refused;
    const view = runView(await this.audit.read(requestId));
    const finished = view.finishes.at(-1);
    if (!finished) return { kind: 'not_now', text: `${requestId} has not finished a run yet: its pack is made when it does.` };
    if (view.reports.some((e) => e.round === finished.round))
      return { kind: 'not_now', text: `The evidence pack of ${requestId} is already stored: use Download evidence.` };
    await this.runs.add(
      FINISH_RUN_JOB,
      { requestId },
      {
        deduplication: { id: `${requestId}.generate-report` },
        attempts: this.attempts,
        backoff: { type: 'offboard' },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    );
    return { kind: 'given', text: `Generating the evidence pack for ${requestId}; once it is stored, Download evidence sends it to you by direct message.` };
  }

  private async refusal(requestId: string, actorId: string, via: Asked): Promise<EvidenceAnswer | undefined> {
    await this.store.mustGet(requestId);
    const reason = await this.refusalReason(actorId);
    if (!reason) return undefined;
    await this.recordRefusal(requestId, actorId, via, reason);
    return { kind: 'refused', reason };
  }

  private async refusalReason(actorId: string): Promise<string | undefined> {
    return (await this.mayHaveEvidence(actorId))
      ? beingOffboardedReason(await openAboutUser(this.store, this.directory, actorId))
      : 'Only offboarding approvers and compliance (OFFBOARD_COMPLIANCE) can have the evidence pack.';
  }

  /** The first refusal of a window is recorded; a flood of the same click cannot grow the trail. */
  private async recordRefusal(requestId: string, actorId: string, via: Asked, reason: string): Promise<void> {
    if ((await this.store.countRefusal(requestId, actorId, `evidence-${via}`, reason, REFUSAL_WINDOW_MS)) === 1) {
      await this.audit.append(requestId, { type: 'evidence.refused', actor: actorId, via, reason });
    }
  }
}
