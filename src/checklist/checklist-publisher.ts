import { createHash } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { AuditTrail, StoredChain } from '../audit/audit-trail.js';
import { RetryableError } from '../connectors/step-errors.js';
import type { OffboardRequest } from '../requests/request.js';
import type { RequestStore } from '../requests/request-store.js';
import { classifySlackError } from '../slack/classify-slack-error.js';
import { verifyChain, type ChainVerdict } from '../audit/verify-chain.js';
import { chainCheck } from '../evidence/evidence-pack.js';
import { checklistMessage } from '../slack/blocks/checklist-message.js';
import type { PostedMessages } from '../slack/posted-messages.js';
import { recordsOf, runView, type RunView } from '../runs/run-view.js';

/**
 * How often a running round's progress is written to Slack, per request: the first update at
 * least `firstMs` after a write made at once (the steps have started moving), later ones at least
 * `everyMs` apart. A burst of step events in between becomes one update showing the latest of
 * them. The first post and a round's outcome are written at once.
 */
export interface ChecklistSpacing {
  firstMs: number;
  everyMs: number;
}

export const CHECKLIST_SPACING: ChecklistSpacing = { firstMs: 500, everyMs: 3_000 };

/** What a refresh did: wrote (or found Slack already showing the latest), or is due again at `at`. */
export type ChecklistWrite = { kind: 'written' } | { kind: 'later'; at: number };

interface LastTry {
  at: number;
  /** Tries since the last write made at once, that one included. */
  tries: number;
  /** What Slack shows since this process last wrote it. */
  digest?: string;
}

export interface ChecklistPublisherOptions {
  store: RequestStore;
  audit: AuditTrail;
  slack: WebClient;
  posted: PostedMessages;
  spacing?: ChecklistSpacing;
  now?: () => number;
}

/**
 * Renders the checklist from the audit trail and writes it to Slack. Runs only inside the
 * checklist job (one in flight per request), so two renders never race; a failure is thrown,
 * classified, for BullMQ to retry. Spacing and "already shown" are remembered per process: with
 * several worker processes a refresh picked up elsewhere may write sooner, never wrongly.
 */
export class ChecklistPublisher {
  private readonly tried = new Map<string, LastTry>();
  /** Per request, how far its chain was last found intact (at most 1000 requests, the oldest dropped first). */
  private readonly verified = new Map<string, { entries: number; head: string; digest: string }>();

  private readonly store: RequestStore;
  private readonly audit: AuditTrail;
  private readonly slack: WebClient;
  private readonly posted: PostedMessages;
  private readonly spacing: ChecklistSpacing;
  private readonly now: () => number;

  constructor({ store, audit, slack, posted, spacing = CHECKLIST_SPACING, now = Date.now }: ChecklistPublisherOptions) {
    this.store = store;
    this.audit = audit;
    this.slack = slack;
    this.posted = posted;
    this.spacing = spacing;
    this.now = now;
  }

  /**
   * Writes the latest state. `spaced`: progress of a running round not sooner than the spacing
   * after this process last tried to write it (the caller runs the refresh again at `at`).
   */
  async publish(requestId: string, { spaced = false } = {}): Promise<ChecklistWrite> {
    const [request, stored] = await Promise.all([this.store.mustGet(requestId), this.audit.chain(requestId)]);
    if (!request.approvalMessage) throw new RetryableError(`checklist of ${requestId}: the approval message is not posted yet`);
    const view = runView(recordsOf(stored.entries));
    const atOnce = writtenAtOnce(request, view);
    const last = this.tried.get(requestId);
    if (spaced && last && !atOnce) {
      const at = last.at + (last.tries <= 1 ? this.spacing.firstMs : this.spacing.everyMs);
      if (at > this.now()) return { kind: 'later', at };
    }
    // Checked at every render (never for a refresh put off, which renders nothing): what the
    // checklist shows is only as good as the trail it is drawn from.
    const verdict = this.verify(requestId, stored);
    const message = checklistMessage(request, view, verdict.intact ? {} : { chainBroken: chainCheck(verdict).detail! });
    const digest = createHash('sha256').update(JSON.stringify(message)).digest('hex');
    const tries = atOnce ? 1 : (last?.tries ?? 0) + 1;
    try {
      if (request.checklistMessage) {
        // A refresh that asks for what Slack already shows (the last write covered it) costs no call.
        if (last?.digest !== digest) await this.slack.chat.update({ channel: request.checklistMessage.channel, ts: request.checklistMessage.ts, ...message });
      } else {
        const posted = await this.posted.postOnce('checklist', requestId, {
          channel: request.approvalMessage.channel,
          thread_ts: request.approvalMessage.ts,
          ...message,
        });
        await this.store.patch(requestId, { checklistMessage: { channel: posted.channel, ts: posted.ts } });
        // Found from an earlier try: it shows what was rendered then.
        if (posted.found) await this.slack.chat.update({ channel: posted.channel, ts: posted.ts, ...message });
      }
    } catch (err) {
      // A failed try counts for the spacing too: an outage is not retried at every step event.
      this.remember(requestId, { at: this.now(), tries, digest: last?.digest });
      throw classifySlackError('checklist', err);
    }
    this.remember(requestId, { at: this.now(), tries, digest });
    return { kind: 'written' };
  }

  /** True when the request's checklist is due without spacing: not posted yet, or its round's outcome is in. */
  async writtenAtOnce(requestId: string): Promise<boolean> {
    const [request, trail] = await Promise.all([this.store.mustGet(requestId), this.audit.read(requestId)]);
    return writtenAtOnce(request, runView(trail));
  }

  /**
   * The chain's verdict, recomputed from the end of what this process last found intact when the
   * entries up to there are still exactly those (the same digest of their stored content): a
   * running round's trail is verified at each render, and its entries' hashes need recomputing
   * only once each. Any change to an entry verified before makes the digest differ, and then the
   * whole chain is recomputed.
   */
  private verify(requestId: string, stored: StoredChain): ChainVerdict {
    const before = this.verified.get(requestId);
    const digest = createHash('sha256');
    let same = false;
    for (let i = 0; i < stored.entries.length; i++) {
      if (before && i === before.entries) same = digest.copy().digest('hex') === before.digest;
      digest.update(JSON.stringify(stored.entries[i]));
    }
    if (before && before.entries === stored.entries.length) same = digest.copy().digest('hex') === before.digest;
    const verdict = verifyChain(requestId, stored.entries, stored.head, same ? before : undefined);
    this.verified.delete(requestId);
    if (verdict.intact) {
      if (this.verified.size >= 1000) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(requestId, { entries: verdict.entries, head: verdict.head, digest: digest.digest('hex') });
    }
    return verdict;
  }

  private remember(requestId: string, last: LastTry): void {
    // Only the spacing matters; entries older than it are dropped once there are many.
    if (this.tried.size > 1000) for (const [id, t] of this.tried) if (t.at + this.spacing.everyMs < last.at) this.tried.delete(id);
    this.tried.set(requestId, last);
  }
}

/** The first post, and every state from a round's end on (finished, its report, the request's new status). */
function writtenAtOnce(request: OffboardRequest, view: RunView): boolean {
  return !request.checklistMessage || request.status !== 'approved' || view.current.finished;
}
