import type { BatchDecision } from '../requests/batch-decision.js';
import type { OffboardRequest } from '../requests/request.js';
import { requestState, STATE_LABELS } from '../requests/request-state.js';
import type { RunView } from '../runs/run-view.js';
import type { ChainCheck } from './evidence-pack.js';
import type { Generator as GeneratorInfo } from './generator-info.js';

/** One person of a bulk request in its summary: their request, where it stands, and their last stored pack. */
export interface SummaryMember {
  request_id: string;
  subject: { name: string; email: string; slack_user_id: string | null };
  /** The request's state as people are told it (RequestState), and its label. */
  state: string;
  state_label: string;
  /** How the last finished round ended (verified, attested, residual, failures), null before one has. */
  last_outcome: string | null;
  rounds_finished: number;
  /** The newest stored evidence pack: its file, the SHA-256 of its JSON, the chain head it covers; null when none is stored. */
  pack: { round: number; filename: string; sha256: string | null; chain_head: string | null; key_id: string | null } | null;
  /**
   * Its trail's chain as the bot checked it (links and the head kept beside it) just before the
   * summary was made (since version 2): when broken, what this row states may be forged.
   */
  chain: ChainCheck;
}

/**
 * The summary of a bulk request, beside each person's own pack: who was in it, their request, where
 * each stands and the digest of their pack, as the store and the trails record them when it is made.
 * It states what happened only: the packs are the evidence of each person's offboarding.
 */
export interface BatchSummary {
  /** 2 added each member's `chain` and `chains_broken`. */
  summary_version: '2';
  batch_id: string;
  generated_at: string;
  generator: GeneratorInfo;
  /** How many people the request form named; `members` lists those stored. */
  size: number;
  decision: { outcome: 'approved'; by: string; at: string } | null;
  /** The requests whose trail was found altered: what the summary says of them may be forged. */
  chains_broken: string[];
  members: SummaryMember[];
}

export interface SummaryInput {
  batchId: string;
  size: number;
  decision: BatchDecision | undefined;
  members: { request: OffboardRequest; view: RunView; chain: ChainCheck }[];
  generatedAt: string;
  generator: GeneratorInfo;
}

export function buildBatchSummary({ batchId, size, decision, members, generatedAt, generator }: SummaryInput): BatchSummary {
  const sorted = [...members].sort((a, b) => a.request.id.localeCompare(b.request.id));
  return {
    summary_version: '2',
    batch_id: batchId,
    generated_at: generatedAt,
    generator,
    size,
    decision: decision ? { outcome: decision.outcome, by: decision.by, at: decision.at } : null,
    chains_broken: sorted.filter((m) => !m.chain.intact).map((m) => m.request.id),
    members: sorted.map(({ request, view, chain }) => {
      const state = requestState(request, view);
      const report = view.reports.at(-1);
      return {
        request_id: request.id,
        subject: { name: request.subject.name, email: request.subject.email, slack_user_id: request.subject.slackUserId ?? null },
        state,
        state_label: STATE_LABELS[state],
        last_outcome: view.finishes.at(-1)?.outcome ?? null,
        rounds_finished: view.finishes.length,
        pack: report
          ? {
              round: report.round,
              filename: report.filename,
              sha256: report.sha256 ?? null,
              chain_head: report.chainHead ?? null,
              key_id: report.keyId ?? null,
            }
          : null,
        chain,
      };
    }),
  };
}

/** `offboarding-batch-summary-<batch id>`: the summary's files beside each other. */
export function summaryBasename(batchId: string): string {
  return `offboarding-batch-summary-${batchId.replace(/[^A-Za-z0-9._-]/g, '-')}`;
}
