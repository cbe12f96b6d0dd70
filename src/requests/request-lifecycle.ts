import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import type { DecisionAction } from '../audit/audit-event.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { redact } from '../redact.js';
import type { RunStarter } from '../runs/run-starter.js';
import { PREVIEW_JOB } from '../queue/queue-names.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';
import { escapeText } from '../slack/blocks/block-kit.js';
import type { SlackDirectory } from '../slack/slack-directory.js';
import type { DeletionSchedule } from '../runs/deletion-schedule.js';
import { grantRound } from '../runs/phase-rounds.js';
import { currentPhaseSteps, isFailed, restorableSteps, runView } from '../runs/run-view.js';
import { beingOffboardedReason, refusalReason } from './approval-policy.js';
import { openAboutUser } from './open-about-user.js';
import { approvalsNeeded, credentialRefusal, mergePrivileges, privilegeRisk, type Privilege } from './privilege.js';
import { newRequestSchema, type NewRequest, type OffboardRequest, type RequestStatus } from './request.js';
import { SUBMISSION_PENDING, type RequestStore } from './request-store.js';

/** Repeats of one refusal (same actor, action, request, reason) within this window are counted, not each recorded. */
const REFUSAL_WINDOW_MS = 10 * 60_000;
/** A replay arriving while the first delivery stores the request waits this long for its id. */
const SUBMISSION_WAIT_MS = 1_000;

/** One delivery of a view submission, as Slack identifies it. */
export interface SubmissionKey {
  viewId: string;
  hash: string;
}

export type Submitted =
  | { kind: 'created'; request: OffboardRequest }
  /** An earlier delivery of the same submission created it. */
  | { kind: 'duplicate'; request: OffboardRequest }
  /**
   * The person already has an open request (`id`; `request` unless it cannot be read): this one is
   * not stored. `approver`: whether the requester may be told about it and act on it.
   */
  | { kind: 'open'; id: string; request: OffboardRequest | undefined; approver: boolean }
  /** An earlier delivery claimed the submission and has not finished storing it. */
  | { kind: 'in_progress' };

const isPowerOfTen = (n: number) => n >= 1 && 10 ** Math.round(Math.log10(n)) === n;

export type RetryOutcome = { kind: 'started'; steps: number } | { kind: 'refused'; reason: string } | { kind: 'not_now'; reason: string };

export type Decision =
  | { kind: 'decided'; request: OffboardRequest }
  | { kind: 'refused'; reason: string }
  | { kind: 'already_decided'; request: OffboardRequest }
  /**
   * The person is privileged: this approval is recorded (`again`: it already was) and the request
   * waits for `needed` distinct approvers; `risk` names what approving does.
   */
  | { kind: 'awaiting'; request: OffboardRequest; approvedBy: string[]; needed: number; again: boolean; risk: string };

/** Submission, decisions and retries: everything people do to a request. */
/** How long one "End grace period now" holds off the others: far longer than starting a deletion takes. */
const END_GRACE_CLAIM_MS = 30_000;

export interface RequestLifecycleOptions {
  store: RequestStore;
  audit: AuditTrail;
  directory: SlackDirectory;
  runs: RunStarter;
  outbox: SlackOutbox;
  deletions: DeletionSchedule;
  previews: Queue;
  approvalChannel: string;
  now?: () => Date;
}

export class RequestLifecycle {
  private readonly store: RequestStore;
  private readonly audit: AuditTrail;
  private readonly directory: SlackDirectory;
  private readonly runs: RunStarter;
  private readonly outbox: SlackOutbox;
  private readonly deletions: DeletionSchedule;
  private readonly previews: Queue;
  private readonly approvalChannel: string;
  private readonly now: () => Date;

  constructor({ store, audit, directory, runs, outbox, deletions, previews, approvalChannel, now = () => new Date() }: RequestLifecycleOptions) {
    this.store = store;
    this.audit = audit;
    this.directory = directory;
    this.runs = runs;
    this.outbox = outbox;
    this.deletions = deletions;
    this.previews = previews;
    this.approvalChannel = approvalChannel;
    this.now = now;
  }

  /**
   * Stores a valid request once per view submission (Slack's view id + hash): a replay of the same
   * submission gets the request the first delivery created. A person has at most one open request:
   * a second is refused naming the first. One atomic step in Redis decides both, then the trail
   * records the submission.
   */
  async submit(fields: NewRequest, submission: SubmissionKey): Promise<Submitted> {
    const valid = newRequestSchema.parse(fields);
    const stored = await this.store.createForSubmission(valid, submission.viewId, submission.hash, (request) =>
      this.audit.start(request.id, { type: 'request.submitted', actor: valid.requester.slackUserId ?? valid.requester.name, request }),
    );
    if (stored.kind === 'submitted') return (await this.submitted(submission)) ?? { kind: 'in_progress' };
    if (stored.kind === 'open') return { ...stored, approver: valid.requester.slackUserId ? await this.actsAsApprover(valid.requester.slackUserId) : false };
    return { kind: 'created', request: stored.request };
  }

  /**
   * What an earlier delivery of this submission did; one that an earlier version of the bot is
   * storing (SUBMISSION_PENDING) is waited for briefly.
   */
  async submitted(submission: SubmissionKey): Promise<Submitted | undefined> {
    const deadline = Date.now() + SUBMISSION_WAIT_MS;
    for (;;) {
      const id = await this.store.submission(submission.viewId, submission.hash);
      if (id === undefined) return undefined;
      if (id !== SUBMISSION_PENDING) {
        const request = await this.store.get(id);
        return request ? { kind: 'duplicate', request } : undefined;
      }
      if (Date.now() > deadline) return { kind: 'in_progress' };
      await sleep(20);
    }
  }

  /**
   * Queues the approval message, a read-only look at what the person holds, and a note to the
   * requester: Redis only, so the modal can close at once; the reconciler re-queues the message
   * if the process dies before this runs.
   */
  async announce(request: OffboardRequest): Promise<void> {
    await this.outbox.announce(request.id);
    await this.previews.add(
      PREVIEW_JOB,
      { requestId: request.id },
      { jobId: `${request.id}.preview`, attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
    );
    await this.outbox.notify(
      request.id,
      'submitted',
      request.requester.slackUserId,
      `Your request *${request.id}* to offboard ${escapeText(request.subject.name)} is waiting for approval in <#${this.approvalChannel}>.`,
    );
  }

  /** An approver with no open request about them (see beingOffboardedReason). */
  async actsAsApprover(userId: string): Promise<boolean> {
    return (await this.directory.isApprover(userId)) && (await openAboutUser(this.store, this.directory, userId)) === undefined;
  }

  /**
   * Why `actorId` may not decide (not an approver, their own offboarding or request, or one about
   * them is open), if so; refusals are recorded in the trail, repeats counted.
   */
  async mayDecide(request: OffboardRequest, actorId: string, action: DecisionAction): Promise<string | undefined> {
    const isApprover = await this.directory.isApprover(actorId);
    const reason = refusalReason(request, actorId, isApprover) ?? beingOffboardedReason(await openAboutUser(this.store, this.directory, actorId));
    if (!reason) return undefined;
    return this.recordRefusal(request, actorId, action, reason);
  }

  /** Records a refusal (repeats counted) and returns its reason. */
  private async recordRefusal(request: OffboardRequest, actorId: string, action: DecisionAction, reason: string): Promise<string> {
    // A flood of the same refused click must not grow the trail without bound: the first of a window
    // is recorded, then the running count at 10, 100, 1000… repeats.
    const count = await this.store.countRefusal(request.id, actorId, action, reason, REFUSAL_WINDOW_MS);
    if (isPowerOfTen(count)) {
      await this.audit.append(request.id, { type: 'approval.refused', actor: actorId, action, reason, ...(count > 1 ? { repeats: count } : {}) });
    }
    return reason;
  }

  /**
   * Approves, unless the person owns one of the bot's own credentials (refused, with what to do
   * first). Someone privileged (an approver, compliance, a workspace admin or owner) needs two
   * distinct approvers: each approval is recorded, and the request is approved, and its run started,
   * by the click that brings the second.
   */
  async approve(requestId: string, actorId: string): Promise<Decision> {
    const current = await this.store.mustGet(requestId);
    const refused = await this.mayDecide(current, actorId, 'approve');
    if (refused) return { kind: 'refused', reason: refused };
    if (current.status !== 'pending') return { kind: 'already_decided', request: current };
    // Read before the decision is taken, so a Slack error here cannot leave an approval without its event.
    const approvers = await this.directory.approverIds();
    // Both the preview's reading (only a worker asks the systems who owns the bot's credentials) and
    // Slack's now: a privilege granted since the preview still counts.
    const { preview } = runView(await this.audit.read(requestId));
    const privileges = mergePrivileges(preview?.privileges, current.subject.slackUserId ? await this.directory.privilegesOf(current.subject.slackUserId) : []);
    const owner = credentialRefusal(current.subject.name, privileges);
    if (owner) return { kind: 'refused', reason: await this.recordRefusal(current, actorId, 'approve', owner) };
    let approvedBy: string[] | undefined;
    if (approvalsNeeded(privileges) > 1) {
      const tally = await this.tally(current, actorId, approvers, privileges);
      if (tally.kind === 'awaiting') return tally;
      approvedBy = tally.approvedBy;
    }
    const at = this.now().toISOString();
    const { applied, request } = await this.store.patch(requestId, { status: 'approved', decision: { outcome: 'approved', by: actorId, at } }, ['pending']);
    if (!applied) return { kind: 'already_decided', request };
    await this.audit.append(requestId, { type: 'request.approved', actor: actorId, approvers, ...(approvedBy ? { approvedBy } : {}) });
    // The run is enqueued before anything is said in Slack; should the process die before it
    // is, the reconciler finds an approved request without a run and starts it.
    await this.runs.start(request);
    await this.outbox.refreshApproval(requestId);
    await this.outbox.notify(
      requestId,
      'approved',
      request.requester.slackUserId,
      `Your request *${request.id}* to offboard ${escapeText(request.subject.name)} was approved by <@${actorId}>. Progress is in the request's thread.`,
    );
    return { kind: 'decided', request };
  }

  /**
   * Counts `actorId`'s approval of a privileged person's request: the request waits until enough
   * distinct approvers have approved, and the click that brings the last one may decide.
   */
  private async tally(
    request: OffboardRequest,
    actorId: string,
    approvers: string[],
    privileges: Privilege[],
  ): Promise<Extract<Decision, { kind: 'awaiting' }> | { kind: 'enough'; approvedBy: string[] }> {
    const needed = approvalsNeeded(privileges);
    // The set, not the trail, is what counts: should the process die before the entry below is
    // written, the approval still counts, and the decision's entry names every approver it counted.
    const { added, approvals } = await this.store.addApproval(request.id, actorId);
    // Only approvals of people who may still approve count: not someone taken out of the group since.
    const approvedBy = approvals.filter((a) => approvers.includes(a) && a !== request.subject.slackUserId && a !== request.requester.slackUserId);
    if (approvedBy.length >= needed) return { kind: 'enough', approvedBy };
    if (added) {
      await this.audit.append(request.id, { type: 'approval.recorded', actor: actorId, privileges, needed });
      await this.outbox.refreshApproval(request.id);
    }
    return { kind: 'awaiting', request, approvedBy, needed, again: !added, risk: privilegeRisk(escapeText(request.subject.name), privileges) };
  }

  async reject(requestId: string, actorId: string, typedReason: string): Promise<Decision> {
    // Masked as it enters: the reason is stored, queued for the requester's DM and shown.
    const reason = redact(typedReason);
    const current = await this.store.mustGet(requestId);
    const refused = await this.mayDecide(current, actorId, 'reject');
    if (refused) return { kind: 'refused', reason: refused };
    const at = this.now().toISOString();
    const { applied, request } = await this.store.patch(requestId, { status: 'rejected', decision: { outcome: 'rejected', by: actorId, at, reason } }, [
      'pending',
    ]);
    if (!applied) return { kind: 'already_decided', request };
    await this.audit.append(requestId, { type: 'request.rejected', actor: actorId, reason });
    await this.outbox.refreshApproval(requestId);
    await this.outbox.notify(
      requestId,
      'rejected',
      request.requester.slackUserId,
      `Your request *${request.id}* to offboard ${escapeText(request.subject.name)} was rejected by <@${actorId}>: ${escapeText(reason)}`,
    );
    return { kind: 'decided', request };
  }

  /**
   * Runs the failed steps of a finished round again as a new round of the same phase. The status
   * flip back to approved is the lock: of several clicks, one starts the round.
   */
  async retryFailed(requestId: string, actorId: string): Promise<RetryOutcome> {
    const request = await this.store.mustGet(requestId);
    const refused = await this.mayDecide(request, actorId, 'retry');
    if (refused) return { kind: 'refused', reason: refused };
    const view = runView(await this.audit.read(requestId));
    const { phase, finished } = view.current;
    const failed = currentPhaseSteps(view).filter(isFailed);
    if (!finished || request.status === 'approved') return { kind: 'not_now', reason: `${requestId} is still running; retry once it has finished.` };
    if (failed.length === 0) return { kind: 'not_now', reason: `${requestId} has no failed steps.` };
    if (phase === 'reinstate') {
      const superseded = await this.superseded(request, actorId, 'retry', `The reinstatement of ${requestId} cannot be retried`);
      if (superseded) return { kind: 'not_now', reason: superseded };
    }
    const granted = await grantRound(
      this.phaseDeps(),
      requestId,
      phase,
      failed.map((s) => s.id),
      actorId,
      ['completed', 'disabled', 'reinstated'],
    );
    if (granted.kind === 'not_now') return { kind: 'not_now', reason: `A retry of ${requestId} has just been started.` };
    return { kind: 'started', steps: failed.length };
  }

  /**
   * Gives the person back exactly what the disable phase took (from its snapshot) while the
   * request waits for deletion, and cancels the deletion. Never after the deletion has run.
   */
  async reinstate(requestId: string, actorId: string): Promise<RetryOutcome> {
    const request = await this.store.mustGet(requestId);
    const refused = await this.mayDecide(request, actorId, 'reinstate');
    if (refused) return { kind: 'refused', reason: refused };
    if (request.status !== 'disabled') return { kind: 'not_now', reason: notWaitingForDeletion(request.id, request.status, 'reinstated') };
    const superseded = await this.superseded(request, actorId, 'reinstate', `${requestId} cannot be reinstated`);
    if (superseded) return { kind: 'not_now', reason: superseded };
    const steps = restorableSteps(runView(await this.audit.read(requestId)));
    if (steps.length === 0) {
      const reason = `${requestId} cannot be reinstated: its disable phase took nothing that can be given back, so there is nothing to restore. Its deletion stays scheduled.`;
      await this.recordRefusal(request, actorId, 'reinstate', reason);
      return { kind: 'not_now', reason };
    }
    const granted = await grantRound(this.phaseDeps(), requestId, 'reinstate', steps, actorId, ['disabled']);
    if (granted.kind === 'not_now') return { kind: 'not_now', reason: notWaitingForDeletion(request.id, granted.status, 'reinstated') };
    await this.deletions.cancel(requestId);
    await this.outbox.notify(
      requestId,
      `reinstated-r${granted.round}`,
      request.requester.slackUserId,
      `<@${actorId}> is reinstating ${escapeText(request.subject.name)} (*${requestId}*): what was removed is being restored, and the deletion is cancelled.`,
    );
    return { kind: 'started', steps: steps.length };
  }

  /** Starts the deletion now instead of at the end of the grace period. */
  async endGracePeriod(requestId: string, actorId: string): Promise<RetryOutcome> {
    const request = await this.store.mustGet(requestId);
    const refused = await this.mayDecide(request, actorId, 'end-grace');
    if (refused) return { kind: 'refused', reason: refused };
    if (request.status !== 'disabled') return { kind: 'not_now', reason: notWaitingForDeletion(request.id, request.status, 'deleted now') };
    // Of several clicks (two approvers, two instances), one ends the grace period and is recorded;
    // should its process die before the deletion starts, the scheduled one still runs, and the
    // button works again once the claim has lapsed.
    if (!(await this.store.claim('end-grace', requestId, END_GRACE_CLAIM_MS))) {
      return { kind: 'not_now', reason: `The grace period of ${requestId} has just been ended; its deletion is starting.` };
    }
    await this.audit.append(requestId, { type: 'grace.ended', actor: actorId });
    // The scheduled job starts the deletion; without one (lost, or already running) it starts here.
    if (!(await this.deletions.bringForward(requestId))) {
      const granted = await grantRound(this.phaseDeps(), requestId, 'delete', this.runs.stepsOf(request, 'delete'), actorId, ['disabled']);
      if (granted.kind === 'not_now') return { kind: 'not_now', reason: notWaitingForDeletion(request.id, granted.status, 'deleted now') };
    }
    return { kind: 'started', steps: this.runs.stepsOf(request, 'delete').length };
  }

  /**
   * `refusal` continued with why, when a request about the same person was filed after `request`
   * (recorded as a refusal); else undefined. Giving back what `request` took could give back what
   * the later one takes.
   */
  private async superseded(request: OffboardRequest, actorId: string, action: DecisionAction, refusal: string): Promise<string | undefined> {
    const later = await this.store.laterAbout(request);
    if (later.length === 0) return undefined;
    const reason = `${refusal}: a later request about ${request.subject.name} (${later.join(', ')}) has been filed since, and what it removes must stay removed.`;
    await this.recordRefusal(request, actorId, action, reason);
    return reason;
  }

  private phaseDeps() {
    return { store: this.store, audit: this.audit, runs: this.runs };
  }
}

/** Why a request cannot be `what` (reinstated, deleted now) at the moment. */
function notWaitingForDeletion(id: string, status: RequestStatus, what: string): string {
  switch (status) {
    case 'completed':
      return `${id} has finished: the deletion has run (or nothing was to be deleted), so it cannot be ${what}.`;
    case 'reinstated':
      return `${id} has already been reinstated.`;
    case 'approved':
      return `${id} is running; try again once it has finished.`;
    default:
      return `${id} is not waiting for deletion, so it cannot be ${what}.`;
  }
}
