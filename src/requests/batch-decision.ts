import { z } from 'zod';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { RunStarter } from '../runs/run-starter.js';
import { escapeText } from '../slack/blocks/block-kit.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';
import type { PendingTimers } from './pending-timers.js';
import type { OffboardRequest } from './request.js';
import type { RequestStore } from './request-store.js';

/** What one request's approval is recorded with: who could decide it, who approved, the terms' digest, the rule. */
export const approvalTermsSchema = z.object({
  approvers: z.array(z.string()),
  approvedBy: z.array(z.string()).optional(),
  digest: z.string(),
  rule: z.string(),
});
export type ApprovalTerms = z.infer<typeof approvalTermsSchema>;

/**
 * The approval of a bulk request, stored as one record before any of its requests is approved:
 * who approved, when, and each request that was pending then, with the terms its own approval
 * records. Applying it to each request is idempotent (a compare-and-set from pending), so a crash
 * part-way leaves a record the next click or the reconciler finishes applying.
 */
export const batchDecisionSchema = z.object({
  batchId: z.string(),
  outcome: z.literal('approved'),
  by: z.string(),
  at: z.string(),
  members: z.array(approvalTermsSchema.extend({ id: z.string() })),
});
export type BatchDecision = z.infer<typeof batchDecisionSchema>;

export interface ApprovalDeps {
  store: RequestStore;
  audit: AuditTrail;
  runs: RunStarter;
  outbox: SlackOutbox;
  timers: PendingTimers;
}

/**
 * Approves one pending request: the status flips from pending (compare-and-set: a request decided,
 * cancelled or expired meanwhile is left as it is, and `applied` is false), then the trail records
 * the approval, the run is enqueued, its follow-ups removed and people told. A crash after the flip
 * leaves an approved request without a run, which the reconciler starts.
 */
export async function applyApproval(
  deps: ApprovalDeps,
  requestId: string,
  actorId: string,
  at: string,
  terms: ApprovalTerms,
): Promise<{ applied: boolean; request: OffboardRequest }> {
  const { applied, request } = await deps.store.patch(requestId, { status: 'approved', decision: { outcome: 'approved', by: actorId, at } }, ['pending']);
  if (!applied) return { applied, request };
  await deps.audit.append(requestId, {
    type: 'request.approved',
    actor: actorId,
    approvers: terms.approvers,
    ...(terms.approvedBy ? { approvedBy: terms.approvedBy } : {}),
    digest: terms.digest,
    rule: terms.rule,
  });
  // The run is enqueued before anything is said in Slack; should the process die before it
  // is, the reconciler finds an approved request without a run and starts it.
  await deps.runs.start(request);
  // A follow-up still firing later finds the request decided and does nothing.
  await deps.timers.clear(request);
  await deps.outbox.refreshApproval(requestId);
  await deps.outbox.notify(
    requestId,
    request.reasked ? `approved-a${request.reasked.count}` : 'approved',
    request.requester.slackUserId,
    `Your request *${request.id}* to offboard ${escapeText(request.subject.name)} was approved by <@${actorId}>. Progress is in the request's thread.`,
  );
  return { applied, request };
}

/**
 * The decision of a bulk request: stored first, as one record, then applied to each of its requests.
 * Whoever finds a stored decision not yet applied everywhere (the click that took it, a later click
 * on any of its requests, the reconciler) applies the rest; nothing is approved twice.
 */
export class BatchDecisions {
  constructor(private readonly deps: ApprovalDeps) {}

  /** Stores `decision` unless one is stored already; the stored one is returned, to be applied. */
  decide(decision: BatchDecision): Promise<BatchDecision> {
    return this.deps.store.decideBatch(decision);
  }

  stored(batchId: string): Promise<BatchDecision | undefined> {
    return this.deps.store.batchDecision(batchId);
  }

  /**
   * Applies the decision to every request of it still pending, one after another (each starts its
   * run); returns the ids this call approved. Then the decision is closed: every request has it.
   */
  async apply(decision: BatchDecision): Promise<string[]> {
    const approved: string[] = [];
    for (const { id, ...terms } of decision.members) {
      if ((await applyApproval(this.deps, id, decision.by, decision.at, terms)).applied) approved.push(id);
    }
    await this.deps.outbox.refreshBatchChecklist(decision.batchId);
    await this.deps.store.closeBatchDecision(decision.batchId);
    return approved;
  }

  /**
   * The stored decisions not yet applied everywhere, older than `settleMs` (a younger one is being
   * applied by the click that took it, and is counted `busy`): each applied; `onApplied` hears of
   * every request approved so.
   */
  async finishOpen(settleMs: number, onApplied: (requestId: string, decision: BatchDecision) => Promise<void>): Promise<{ applied: number; busy: number }> {
    let applied = 0;
    let busy = 0;
    for (const batchId of await this.deps.store.openBatchDecisions()) {
      const decision = await this.stored(batchId);
      if (!decision) {
        await this.deps.store.closeBatchDecision(batchId);
        continue;
      }
      if (Date.now() - Date.parse(decision.at) < settleMs) {
        busy++;
        continue;
      }
      for (const id of await this.apply(decision)) {
        await onApplied(id, decision);
        applied++;
      }
    }
    return { applied, busy };
  }
}
