import type { Queue } from 'bullmq';
import type { WebClient } from '@slack/web-api';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Logger } from '../logger.js';
import type { RunStarter } from '../runs/run-starter.js';
import { PREVIEW_JOB } from '../queue/queue-names.js';
import type { ApprovalPublisher } from '../slack/approval-publisher.js';
import { escape } from '../slack/blocks/block-kit.js';
import type { SlackDirectory } from '../slack/slack-directory.js';
import { currentRound, stepProgress } from '../checklist/step-progress.js';
import { refusalReason } from './approval-policy.js';
import type { NewRequest, OffboardRequest } from './request.js';
import type { RequestStore } from './request-store.js';

export type RetryOutcome = { kind: 'started'; steps: number } | { kind: 'refused'; reason: string } | { kind: 'not_now'; reason: string };

export type Decision =
  | { kind: 'decided'; request: OffboardRequest }
  | { kind: 'refused'; reason: string }
  | { kind: 'already_decided'; request: OffboardRequest };

/** Submission, decisions and retries: everything people do to a request. */
export class RequestLifecycle {
  constructor(
    private readonly store: RequestStore,
    private readonly audit: AuditTrail,
    private readonly directory: SlackDirectory,
    private readonly slack: WebClient,
    private readonly runs: RunStarter,
    private readonly approvals: ApprovalPublisher,
    private readonly previews: Queue,
    private readonly approvalChannel: string,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async submit(fields: NewRequest): Promise<OffboardRequest> {
    const request = await this.store.create(fields);
    await this.audit.append(request.id, { type: 'request.submitted', actor: fields.requester.slackUserId, request });
    return request;
  }

  /**
   * Posts the approval request, asks a worker for a read-only look at what the person holds, and
   * tells the requester; after submit() so the modal can close at once.
   */
  async announce(request: OffboardRequest): Promise<void> {
    await this.approvals.post(request);
    await this.previews.add(PREVIEW_JOB, { requestId: request.id }, { jobId: `${request.id}.preview`, attempts: 3, backoff: { type: 'exponential', delay: 1000 } });
    await this.tell(request.requester.slackUserId, `Your request *${request.id}* to offboard ${request.subject.name} is waiting for approval in <#${this.approvalChannel}>.`);
  }

  /** Whether `actorId` may decide; a refusal is recorded in the trail. */
  async mayDecide(request: OffboardRequest, actorId: string, action: 'approve' | 'reject' | 'retry'): Promise<string | undefined> {
    const isApprover = await this.directory.isApprover(actorId);
    const reason = refusalReason(request, actorId, isApprover);
    if (reason) await this.audit.append(request.id, { type: 'approval.refused', actor: actorId, action, reason });
    return reason;
  }

  async approve(requestId: string, actorId: string): Promise<Decision> {
    const current = await this.store.mustGet(requestId);
    const refused = await this.mayDecide(current, actorId, 'approve');
    if (refused) return { kind: 'refused', reason: refused };
    const at = this.now().toISOString();
    const { applied, request } = await this.store.patch(requestId, { status: 'approved', decision: { outcome: 'approved', by: actorId, at } }, ['pending']);
    if (!applied) return { kind: 'already_decided', request };
    await this.audit.append(requestId, { type: 'request.approved', actor: actorId });
    // The run starts before any Slack cosmetics, so a Slack hiccup cannot strand an approved request.
    await this.runs.start(request);
    await this.approvals.refresh(requestId);
    await this.tell(request.requester.slackUserId, `Your request *${request.id}* to offboard ${request.subject.name} was approved by <@${actorId}>. Progress is in the request's thread.`);
    return { kind: 'decided', request };
  }

  async reject(requestId: string, actorId: string, reason: string): Promise<Decision> {
    const current = await this.store.mustGet(requestId);
    const refused = await this.mayDecide(current, actorId, 'reject');
    if (refused) return { kind: 'refused', reason: refused };
    const at = this.now().toISOString();
    const { applied, request } = await this.store.patch(
      requestId,
      { status: 'rejected', decision: { outcome: 'rejected', by: actorId, at, reason } },
      ['pending'],
    );
    if (!applied) return { kind: 'already_decided', request };
    await this.audit.append(requestId, { type: 'request.rejected', actor: actorId, reason });
    await this.approvals.refresh(requestId);
    await this.tell(request.requester.slackUserId, `Your request *${request.id}* to offboard ${request.subject.name} was rejected by <@${actorId}>: ${escape(reason)}`);
    return { kind: 'decided', request };
  }

  /**
   * Runs a finished request's failed steps again as a new round. The status flip from completed
   * back to approved is the lock: of several clicks, one starts the round.
   */
  async retryFailed(requestId: string, actorId: string): Promise<RetryOutcome> {
    const request = await this.store.mustGet(requestId);
    const refused = await this.mayDecide(request, actorId, 'retry');
    if (refused) return { kind: 'refused', reason: refused };
    const trail = await this.audit.read(requestId);
    const failed = stepProgress(trail).filter((s) => s.state !== 'verified');
    if (request.status !== 'completed' || failed.length === 0) {
      return { kind: 'not_now', reason: request.status === 'completed' ? `${requestId} has no failed steps.` : `${requestId} is still running; retry once it has finished.` };
    }
    const { applied } = await this.store.patch(requestId, { status: 'approved' }, ['completed']);
    if (!applied) return { kind: 'not_now', reason: `A retry of ${requestId} has just been started.` };
    await this.runs.retry(request, failed.map((s) => s.id), currentRound(trail).round + 1, actorId);
    return { kind: 'started', steps: failed.length };
  }

  /** Messages the person in the app's DM; a failure there must not undo a decision. */
  private async tell(userId: string, text: string): Promise<void> {
    try {
      await this.slack.chat.postMessage({ channel: userId, text });
    } catch (err) {
      this.logger.warn({ userId, err: (err as Error).message }, 'could not message user');
    }
  }
}
