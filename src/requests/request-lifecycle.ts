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
import { type ApprovalRequirements, confirmsCount, confirmsPerson, notADecider, type Requirement } from './approval-requirements.js';
import { credentialRefusal, privilegeRisk } from './privilege.js';
import type { PendingTimers } from './pending-timers.js';
import { askAgain } from './ask-again.js';
import { CANCELLABLE, notInState, requestState, RESCHEDULABLE } from './request-state.js';
import { openAboutUser } from './open-about-user.js';
import { recordRefusal } from './record-refusal.js';
import { type ApprovalDeps, applyApproval, type ApprovalTerms, type BatchDecision, BatchDecisions } from './batch-decision.js';
import { newRequestSchema, type NewRequest, type OffboardRequest, type RequestStatus } from './request.js';
import { SUBMISSION_PENDING, type RequestStore } from './request-store.js';

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

/** What typing to approve a bulk request confirms: how many people the approval decides (`count`), named. */
export interface BatchConfirmation {
  id: string;
  count: number;
  names: string[];
}

/** A cancellation or a new time: done, refused (who may not), or not valid in the request's state (why). */
export type ManageOutcome = { kind: 'done'; request: OffboardRequest } | { kind: 'refused'; reason: string } | { kind: 'not_now'; reason: string };

/** A bulk request's cancellation: which of its requests were cancelled, and which were past it. */
export type BatchCancelOutcome = { kind: 'refused'; reason: string } | { kind: 'batch'; cancelled: string[]; kept: string[] };

export type RetryOutcome = { kind: 'started'; steps: number; note?: string } | { kind: 'refused'; reason: string } | { kind: 'not_now'; reason: string };

export type Decision =
  | { kind: 'decided'; request: OffboardRequest }
  /** `deciders`: who may decide instead, as a Slack mention, when the rule names its own approver groups. */
  | { kind: 'refused'; reason: string; deciders?: string }
  | { kind: 'already_decided'; request: OffboardRequest }
  /**
   * The rule needs several approvals: this one is recorded (`again`: it already was) and the request
   * waits for `needed` distinct approvers of the same terms; `others`: who else may approve; `risk`
   * names what approving someone privileged does.
   */
  | {
      kind: 'awaiting';
      request: OffboardRequest;
      approvedBy: string[];
      needed: number;
      again: boolean;
      others: string[];
      risk?: string;
      /** A bulk request: how many other requests of it the approval was counted on too. */
      together?: number;
    }
  /**
   * The rule asks the approver to type the person's email or name first (`mismatch`: what they typed
   * names someone else); for a bulk request (`batch`), the number of people the approval decides.
   */
  | { kind: 'confirm'; request: OffboardRequest; mismatch: boolean; batch?: BatchConfirmation }
  /** The rule takes several rejections to end the request: this one is recorded (`again`: it already was). */
  | { kind: 'rejection_awaiting'; request: OffboardRequest; rejectedBy: string[]; needed: number; again: boolean };

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
  /** The approval rules, read against each request at each click. */
  requirements: ApprovalRequirements;
  /** The reminders, escalation and expiry of a pending request: removed once it is decided. */
  timers: PendingTimers;
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
  private readonly requirements: ApprovalRequirements;
  private readonly timers: PendingTimers;
  private readonly now: () => Date;
  private readonly approvalDeps: ApprovalDeps;
  private readonly batches: BatchDecisions;

  constructor({
    store,
    audit,
    directory,
    runs,
    outbox,
    deletions,
    previews,
    approvalChannel,
    requirements,
    timers,
    now = () => new Date(),
  }: RequestLifecycleOptions) {
    this.store = store;
    this.audit = audit;
    this.directory = directory;
    this.runs = runs;
    this.outbox = outbox;
    this.deletions = deletions;
    this.previews = previews;
    this.approvalChannel = approvalChannel;
    this.requirements = requirements;
    this.timers = timers;
    this.now = now;
    this.approvalDeps = { store, audit, runs, outbox, timers };
    this.batches = new BatchDecisions(this.approvalDeps);
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
    if (stored.kind === 'submitted') {
      const earlier = await this.submitted(submission);
      if (earlier?.kind === 'duplicate') await this.joinBatch(earlier.request);
      return earlier ?? { kind: 'in_progress' };
    }
    if (stored.kind === 'created') await this.joinBatch(stored.request);
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

  /** Lists a request of a bulk request among its batch's: again on a replay, so a crash after the store loses none. */
  private async joinBatch(request: OffboardRequest): Promise<void> {
    if (request.batch) await this.store.addToBatch(request.batch.id, request.id);
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

  /** What deciding this request takes now: its rule, who may decide, the digest of its terms. */
  async requirementOf(request: OffboardRequest): Promise<Requirement> {
    return this.requirements.of(request, runView(await this.audit.read(request.id)));
  }

  /**
   * Why `actorId` may not act (approve and reject: not among the rule's deciders; the others: not an
   * approver; their own offboarding or request, or one about them is open), if so; refusals are
   * recorded in the trail, repeats counted.
   */
  async mayDecide(request: OffboardRequest, actorId: string, action: DecisionAction, requirement?: Requirement): Promise<string | undefined> {
    const need = action === 'approve' || action === 'reject' ? (requirement ?? (await this.requirementOf(request))) : undefined;
    const isApprover = need ? need.deciders.includes(actorId) : await this.directory.isApprover(actorId);
    const reason =
      refusalReason(request, actorId, isApprover, need && notADecider(need.rule)) ??
      beingOffboardedReason(await openAboutUser(this.store, this.directory, actorId));
    if (!reason) return undefined;
    return this.recordRefusal(request, actorId, action, reason);
  }

  /** Records a refusal (repeats counted) and returns its reason. */
  private recordRefusal(request: OffboardRequest, actorId: string, action: DecisionAction, reason: string): Promise<string> {
    return recordRefusal({ store: this.store, audit: this.audit }, request.id, actorId, action, reason);
  }

  /**
   * Approves under the request's rule (see approval-rules), unless the person owns one of the bot's
   * own credentials (refused, with what to do first). Each approval is bound to the terms it was
   * given on (their digest): a rule that needs several counts distinct approvers of the same terms,
   * never the requester nor the person, and the click that brings the last one approves and starts
   * the run. A rule that asks for a typed confirmation counts an approval only with the person's
   * email or name typed (`typed`).
   */
  async approve(requestId: string, actorId: string, typed?: string): Promise<Decision> {
    const current = await this.store.mustGet(requestId);
    if (current.batch && current.status === 'pending') return this.approveBatch(current, actorId, typed);
    // Read before the decision is taken, so a Slack error here cannot leave an approval without its event.
    const need = await this.requirementOf(current);
    const refused = await this.mayDecide(current, actorId, 'approve', need);
    if (refused) return { kind: 'refused', reason: refused, ...decidersOf(need) };
    if (current.status !== 'pending') return { kind: 'already_decided', request: current };
    const owner = credentialRefusal(current.subject.name, need.privileges);
    if (owner) return { kind: 'refused', reason: await this.recordRefusal(current, actorId, 'approve', owner) };
    if (need.rule.typedConfirmation && !confirmsPerson(current, typed)) return { kind: 'confirm', request: current, mismatch: typed !== undefined };
    return this.approveUnder(current, actorId, need, need.rule.approvals);
  }

  /**
   * One approval for every pending request of a bulk request, under the strictest rule any of them
   * needs: the most approvals, and a typed confirmation if any asks for one: the number of people the
   * approval decides, as one click decides them all (a name would confirm one of them only). The
   * approver must be allowed to decide every one of them, or nothing is recorded on any; then each
   * request counts the approval as its own (its trail and evidence name it), and all are approved by
   * the click that brings the strictest count to every one of them: that decision is stored as one
   * record (src/requests/batch-decision.ts), then applied to each.
   */
  private async approveBatch(clicked: OffboardRequest, actorId: string, typed: string | undefined): Promise<Decision> {
    const stored = await this.finishStored(clicked);
    if (stored) return stored;
    const pending = await this.pendingOfBatch(clicked);
    const needs = await Promise.all(pending.map((r) => this.requirementOf(r)));
    for (const [i, member] of pending.entries()) {
      const need = needs[i]!;
      const refused = await this.mayDecide(member, actorId, 'approve', need);
      if (refused) return { kind: 'refused', reason: inBatch(member, clicked, refused), ...decidersOf(need) };
      const owner = credentialRefusal(member.subject.name, need.privileges);
      if (owner) return { kind: 'refused', reason: inBatch(member, clicked, await this.recordRefusal(member, actorId, 'approve', owner)) };
    }
    if (needs.some((n) => n.rule.typedConfirmation) && !confirmsCount(pending.length, typed)) {
      const batch = { id: clicked.batch!.id, count: pending.length, names: pending.map((r) => r.subject.name) };
      return { kind: 'confirm', request: clicked, mismatch: typed !== undefined, batch };
    }
    const needed = Math.max(...needs.map((n) => n.rule.approvals));
    // Each counts the approval; the batch is decided only once every one of them has enough.
    const approvedBy: (string[] | undefined)[] = [];
    if (needed > 1) {
      const tallies = [];
      for (const [i, member] of pending.entries()) tallies.push(await this.tally(member, actorId, needs[i]!, needed));
      const waiting = tallies.find((t) => t.kind === 'awaiting');
      if (waiting) return { ...waiting, together: pending.length - 1 };
      for (const t of tallies) approvedBy.push(t.kind === 'enough' ? t.approvedBy : undefined);
    }
    // The decision is stored first, as one record, then applied to each: a crash part-way leaves it
    // for the next click or the reconciler to finish, never a batch half approved with nothing saying so.
    const ours: BatchDecision = {
      batchId: clicked.batch!.id,
      outcome: 'approved',
      by: actorId,
      at: this.now().toISOString(),
      members: pending.map((r, i) => ({ id: r.id, ...termsOf(needs[i]!, approvedBy[i]) })),
    };
    // Another click's decision stored first (at the same moment) is the one applied, and this click's answer says so.
    const decision = await this.batches.decide(ours);
    const approved = await this.batches.apply(decision);
    await this.clearBatchFollowUps(clicked);
    const request = await this.store.mustGet(clicked.id);
    const mine = decision.by === ours.by && decision.at === ours.at && approved.includes(clicked.id);
    return mine ? { kind: 'decided', request } : { kind: 'already_decided', request };
  }

  /**
   * A bulk request already decided whose decision a crash left part-applied: a click on any of its
   * requests (Approve or Reject) finishes applying it, and is told the request was already decided.
   */
  private async finishStored(clicked: OffboardRequest): Promise<{ kind: 'already_decided'; request: OffboardRequest } | undefined> {
    const stored = await this.batches.stored(clicked.batch!.id);
    if (!stored) return undefined;
    await this.batches.apply(stored);
    await this.clearBatchFollowUps(clicked);
    return { kind: 'already_decided', request: await this.store.mustGet(clicked.id) };
  }

  /** The pending requests of `clicked`'s bulk request, `clicked` first: a refusal then speaks of the request clicked when it applies to it. */
  private async pendingOfBatch(clicked: OffboardRequest): Promise<OffboardRequest[]> {
    const ids = new Set([clicked.id, ...(await this.store.batchMembers(clicked.batch!.id))]);
    return (await Promise.all([...ids].map((id) => this.store.get(id)))).filter((r): r is OffboardRequest => r?.status === 'pending');
  }

  /** Counts the approval (when `needed` > 1) and approves once `needed` distinct deciders have approved the same terms. */
  private async approveUnder(current: OffboardRequest, actorId: string, need: Requirement, needed: number): Promise<Decision> {
    const requestId = current.id;
    let approvedBy: string[] | undefined;
    if (needed > 1) {
      const tally = await this.tally(current, actorId, need, needed);
      if (tally.kind === 'awaiting') return tally;
      approvedBy = tally.approvedBy;
    }
    const at = this.now().toISOString();
    const { applied, request } = await applyApproval(this.approvalDeps, requestId, actorId, at, termsOf(need, approvedBy));
    return applied ? { kind: 'decided', request } : { kind: 'already_decided', request };
  }

  /**
   * Counts `actorId`'s approval of the request's current terms: the request waits until enough
   * distinct deciders have approved those same terms, and the click that brings the last one may decide.
   */
  private async tally(
    request: OffboardRequest,
    actorId: string,
    need: Requirement,
    needed: number,
  ): Promise<Extract<Decision, { kind: 'awaiting' }> | { kind: 'enough'; approvedBy: string[] }> {
    // The set, not the trail, is what counts: should the process die before the entry below is
    // written, the approval still counts, and the decision's entry names every approver it counted.
    // The set is the digest's: approvals of terms since changed are in another and count no more.
    const { added, approvals } = await this.store.addApproval(request.id, need.digest, actorId);
    // Only approvals of people who may still decide count: not someone taken out of the group since.
    const approvedBy = approvals.filter((a) => need.deciders.includes(a));
    if (added) {
      await this.audit.append(request.id, {
        type: 'approval.recorded',
        actor: actorId,
        privileges: need.privileges,
        needed,
        digest: need.digest,
        rule: need.rule.name,
      });
    }
    if (approvedBy.length >= needed) return { kind: 'enough', approvedBy };
    if (added) await this.outbox.refreshApproval(request.id);
    const privileged = need.privileges.some((p) => p.kind !== 'credential_owner');
    return {
      kind: 'awaiting',
      request,
      approvedBy,
      needed,
      again: !added,
      others: need.deciders.filter((d) => !approvedBy.includes(d)),
      ...(privileged ? { risk: privilegeRisk(escapeText(request.subject.name), need.privileges, needed) } : {}),
    };
  }

  /** Rejects, or, under a rule that takes several rejections, records this one until enough distinct deciders have rejected. */
  async reject(requestId: string, actorId: string, typedReason: string): Promise<Exclude<Decision, { kind: 'confirm' | 'awaiting' }>> {
    // Masked as it enters: the reason is stored, queued for the requester's DM and shown.
    const reason = redact(typedReason);
    const current = await this.store.mustGet(requestId);
    if (current.batch && current.status === 'pending') return this.rejectBatch(current, actorId, reason);
    const need = await this.requirementOf(current);
    const refused = await this.mayDecide(current, actorId, 'reject', need);
    if (refused) return { kind: 'refused', reason: refused, ...decidersOf(need) };
    if (current.status !== 'pending') return { kind: 'already_decided', request: current };
    return this.rejectUnder(current, actorId, reason, need, need.rule.rejections);
  }

  /**
   * One rejection for every pending request of a bulk request: the approver must be allowed to decide
   * every one, or nothing is recorded; each counts it as its own, under the most rejections any needs.
   */
  private async rejectBatch(clicked: OffboardRequest, actorId: string, reason: string): Promise<Exclude<Decision, { kind: 'confirm' | 'awaiting' }>> {
    // Approved already, and a crash left some of it pending: those are approved, not rejected.
    const stored = await this.finishStored(clicked);
    if (stored) return stored;
    const pending = await this.pendingOfBatch(clicked);
    const needs = await Promise.all(pending.map((r) => this.requirementOf(r)));
    for (const [i, member] of pending.entries()) {
      const refused = await this.mayDecide(member, actorId, 'reject', needs[i]);
      if (refused) return { kind: 'refused', reason: inBatch(member, clicked, refused), ...decidersOf(needs[i]!) };
    }
    const needed = Math.max(...needs.map((n) => n.rule.rejections));
    const decisions: Exclude<Decision, { kind: 'confirm' | 'awaiting' }>[] = [];
    for (const [i, member] of pending.entries()) decisions.push(await this.rejectUnder(member, actorId, reason, needs[i]!, needed));
    await this.clearBatchFollowUps(clicked);
    return decisions[pending.findIndex((r) => r.id === clicked.id)] ?? decisions[0]!;
  }

  private async rejectUnder(
    current: OffboardRequest,
    actorId: string,
    reason: string,
    need: Requirement,
    needed: number,
  ): Promise<Exclude<Decision, { kind: 'confirm' | 'awaiting' }>> {
    const requestId = current.id;
    let rejectedBy: string[] | undefined;
    if (needed > 1) {
      const { added, rejections } = await this.store.addRejection(requestId, actorId);
      rejectedBy = rejections.filter((r) => need.deciders.includes(r));
      if (added) await this.audit.append(requestId, { type: 'rejection.recorded', actor: actorId, reason, needed, rule: need.rule.name });
      if (rejectedBy.length < needed) {
        if (added) await this.outbox.refreshApproval(requestId);
        return { kind: 'rejection_awaiting', request: current, rejectedBy, needed, again: !added };
      }
    }
    const at = this.now().toISOString();
    const { applied, request } = await this.store.patch(requestId, { status: 'rejected', decision: { outcome: 'rejected', by: actorId, at, reason } }, [
      'pending',
    ]);
    if (!applied) return { kind: 'already_decided', request };
    await this.audit.append(requestId, { type: 'request.rejected', actor: actorId, reason, ...(rejectedBy ? { rejectedBy } : {}) });
    await this.timers.clear(request);
    await this.outbox.refreshApproval(requestId);
    await this.outbox.notify(
      requestId,
      request.reasked ? `rejected-a${request.reasked.count}` : 'rejected',
      request.requester.slackUserId,
      `Your request *${request.id}* to offboard ${escapeText(request.subject.name)} was rejected by <@${actorId}>: ${escapeText(reason)}`,
    );
    return { kind: 'decided', request };
  }

  /**
   * Cancels a request before its run starts (pending, partly approved, or approved and scheduled),
   * for its requester or an approver: the scheduled identification is removed, and the trail records
   * who cancelled it and why. The status compare-and-set is conditional on the run not having
   * started, which the run's start records the same way: of the two, one wins.
   */
  async cancel(requestId: string, actorId: string, typedReason: string): Promise<ManageOutcome> {
    const reason = redact(typedReason);
    const current = await this.store.mustGet(requestId);
    const refused = await this.mayManage(current, actorId, 'cancel');
    if (refused) return { kind: 'refused', reason: refused };
    const state = requestState(current, runView(await this.audit.read(requestId)));
    // Cancelled already by this same person: a crash may have cut its follow-ups short, so they are done (again).
    if (!CANCELLABLE.includes(state) && !cancelledBy(current, actorId)) return { kind: 'not_now', reason: notInState(requestId, state, 'cancelled') };
    const done = await this.cancelAs(requestId, { id: actorId, said: `<@${actorId}>` }, reason, ['pending', 'approved']);
    if (!done.cancelled)
      return { kind: 'not_now', reason: notInState(requestId, requestState(done.request, runView(await this.audit.read(requestId))), 'cancelled') };
    return { kind: 'done', request: done.request };
  }

  /**
   * Cancels a request that still waits for its decision for a canceller outside Slack (the HR system
   * that filed it, by its name), as `cancel` does for a person; asked again (the HR system retries a
   * delivery it got no answer to) it finishes whatever follow-up a crash cut short.
   */
  async cancelPending(requestId: string, by: string, reason: string): Promise<{ cancelled: boolean; request: OffboardRequest }> {
    return this.cancelAs(requestId, { id: by, said: escapeText(by) }, redact(reason), ['pending']);
  }

  /**
   * The status moves first, by the store's compare-and-set, so a decision or a run starting at the same
   * moment either comes first (and nothing is cancelled) or finds it cancelled. Then the follow-ups,
   * each idempotent and done again when the same canceller asks again, so a crash after the status
   * moved loses none of them: the trail's record of who and why, the run that waited for its time
   * unscheduled, the reminders cleared, the approval message without its buttons, the thread and the
   * requester told.
   */
  private async cancelAs(
    requestId: string,
    by: { id: string; said: string },
    reason: string,
    from: RequestStatus[],
  ): Promise<{ cancelled: boolean; request: OffboardRequest }> {
    const before = await this.store.mustGet(requestId);
    const state = requestState(before, runView(await this.audit.read(requestId)));
    const { applied, request } = await this.store.patch(
      requestId,
      { status: 'cancelled', ended: { outcome: 'cancelled', by: by.id, at: this.now().toISOString(), reason, state } },
      from,
      { when: (r) => !r.runStartedAt },
    );
    if (!applied && !cancelledBy(request, by.id)) return { cancelled: false, request };
    const why = request.ended?.reason ?? reason;
    const was = request.ended?.state ?? state;
    await this.audit.appendOnce(requestId, 'cancelled', { type: 'request.cancelled', actor: by.id, reason: why, state: was });
    await this.runs.unschedule(requestId);
    await this.timers.clear(request);
    await this.clearBatchFollowUps(request);
    await this.outbox.refreshApproval(requestId);
    if (was === 'scheduled' || request.checklistMessage) await this.outbox.refreshChecklist(requestId);
    await this.outbox.alert(
      requestId,
      'cancelled',
      `:no_entry_sign: *${requestId} was cancelled* by ${by.said}: ${escapeText(why)}. Nothing was changed in any system.`,
    );
    if (by.id !== request.requester.slackUserId)
      await this.outbox.notify(
        requestId,
        'cancelled',
        request.requester.slackUserId,
        `Your request *${request.id}* to offboard ${escapeText(request.subject.name)} was cancelled by ${by.said}: ${escapeText(why)}`,
      );
    return { cancelled: true, request };
  }

  /**
   * Cancels every request of the bulk request `requestId` is one of that can still be cancelled, each
   * as `cancel` does (its trail, its message, its requester told); those past it (their run started,
   * already decided otherwise) stay as they are and are named. Refused as a whole when `actorId` may
   * not cancel the request they clicked.
   */
  async cancelBatch(requestId: string, actorId: string, reason: string): Promise<BatchCancelOutcome> {
    const clicked = await this.store.mustGet(requestId);
    const refused = await this.mayManage(clicked, actorId, 'cancel');
    if (refused) return { kind: 'refused', reason: refused };
    const ids = clicked.batch ? [...new Set([...(await this.store.batchMembers(clicked.batch.id)), clicked.id])].sort() : [clicked.id];
    const cancelled: string[] = [];
    const kept: string[] = [];
    for (const id of ids) {
      const outcome = await this.cancel(id, actorId, reason);
      (outcome.kind === 'done' ? cancelled : kept).push(id);
    }
    return { kind: 'batch', cancelled, kept };
  }

  /**
   * Moves when access ends, for the requester, until the run starts: approvals are bound to the
   * timing, so every approver is asked again. An approved request whose run waits for its time goes
   * back to pending (see rescheduleApproved).
   */
  async reschedule(requestId: string, actorId: string, effectiveAt: string | null): Promise<ManageOutcome> {
    const current = await this.store.mustGet(requestId);
    const refused = await this.mayManage(current, actorId, 'reschedule');
    if (refused) return { kind: 'refused', reason: refused };
    const state = requestState(current, runView(await this.audit.read(requestId)));
    if (!RESCHEDULABLE.includes(state)) return { kind: 'not_now', reason: notInState(requestId, state, 'rescheduled') };
    if (state === 'scheduled') return this.rescheduleApproved(current, actorId, effectiveAt);
    const { applied, request } = await this.store.patch(requestId, { effectiveAt }, ['pending'], { remove: effectiveAt === null ? ['effectiveAt'] : [] });
    if (!applied) return { kind: 'not_now', reason: notInState(requestId, requestState(request, runView(await this.audit.read(requestId))), 'rescheduled') };
    await this.audit.append(requestId, { type: 'request.rescheduled', actor: actorId, from: current.effectiveAt, to: effectiveAt, state });
    await this.outbox.refreshApproval(requestId);
    return { kind: 'done', request };
  }

  /**
   * An approved request whose run waits for its time, rescheduled: back to pending with its decision
   * undone, by the same compare-and-set on the run not having started that the run's start makes
   * (of the two, one wins: a run that started is never rescheduled, a rescheduled one never starts).
   * What follows (the trail voiding the approval, the scheduled start removed, the reminders again)
   * is askAgain, which the reconciler repeats should the process die first.
   */
  private async rescheduleApproved(current: OffboardRequest, actorId: string, effectiveAt: string | null): Promise<ManageOutcome> {
    const count = (current.reasked?.count ?? 0) + 1;
    const reasked = { count, at: this.now().toISOString(), from: current.effectiveAt };
    const { applied, request } = await this.store.patch(current.id, { status: 'pending', effectiveAt, reasked }, ['approved'], {
      when: (r) => !r.runStartedAt && (r.reasked?.count ?? 0) === count - 1,
      remove: ['decision', ...(effectiveAt === null ? (['effectiveAt'] as const) : [])],
    });
    if (!applied) return { kind: 'not_now', reason: notInState(current.id, requestState(request, runView(await this.audit.read(current.id))), 'rescheduled') };
    await askAgain({ audit: this.audit, runs: this.runs, timers: this.timers, outbox: this.outbox }, request, actorId);
    return { kind: 'done', request };
  }

  /**
   * Why `actorId` cannot cancel or reschedule the request now (who they are, or its state), if so:
   * checked before the form asking why or when opens; the submission checks again.
   */
  async whyNotManage(request: OffboardRequest, actorId: string, action: 'cancel' | 'reschedule'): Promise<string | undefined> {
    const refused = await this.mayManage(request, actorId, action);
    if (refused) return refused;
    if (action === 'cancel' && cancelledBy(request, actorId)) return undefined;
    const state = requestState(request, runView(await this.audit.read(request.id)));
    const valid = action === 'cancel' ? CANCELLABLE : RESCHEDULABLE;
    return valid.includes(state) ? undefined : notInState(request.id, state, action === 'cancel' ? 'cancelled' : 'rescheduled');
  }

  /** Why `actorId` may not cancel (the requester or an approver may) or reschedule (the requester only), if so; recorded. */
  private async mayManage(request: OffboardRequest, actorId: string, action: 'cancel' | 'reschedule'): Promise<string | undefined> {
    const verb = action === 'cancel' ? 'cancel' : 'reschedule';
    let reason: string | undefined;
    if (actorId === request.subject.slackUserId) reason = `You cannot ${verb} your own offboarding.`;
    else if (action === 'reschedule' && actorId !== request.requester.slackUserId)
      reason = `Only the requester, ${request.requester.name}, can reschedule this request; an approver can cancel it.`;
    else if (action === 'cancel' && actorId !== request.requester.slackUserId && !(await this.directory.isApprover(actorId)))
      reason = 'Only the requester or an offboarding approver can cancel this request.';
    reason ??= beingOffboardedReason(await openAboutUser(this.store, this.directory, actorId));
    return reason && this.recordRefusal(request, actorId, action, reason);
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
   * Runs the failed steps of every finished request of the bulk request `requestId` is one of, each
   * as retryFailed does; those with nothing to retry (or still running) are left as they are.
   * Refused as a whole when `actorId` may not retry the request they clicked.
   */
  async retryFailedBatch(requestId: string, actorId: string): Promise<RetryOutcome> {
    const clicked = await this.store.mustGet(requestId);
    const refused = await this.mayDecide(clicked, actorId, 'retry');
    if (refused) return { kind: 'refused', reason: refused };
    const ids = clicked.batch ? [...new Set([clicked.id, ...(await this.store.batchMembers(clicked.batch.id))])] : [clicked.id];
    let steps = 0;
    const notNow: string[] = [];
    for (const id of ids) {
      const outcome = await this.retryFailed(id, actorId);
      if (outcome.kind === 'started') steps += outcome.steps;
      // A member still finishing its round (or with nothing failed) is said, never skipped silently.
      else notNow.push(outcome.reason);
    }
    if (steps === 0) return { kind: 'not_now', reason: `No request of this bulk request has failed steps to retry now.` };
    return notNow.length ? { kind: 'started', steps, note: `Retrying the others; not these: ${notNow.join(' ')}` } : { kind: 'started', steps };
  }

  /**
   * Runs one failed step of the finished round again, as a new round of the same phase with that
   * step alone (the checklist's Retry on the step); the other failed steps stay as they are.
   */
  async retryStep(requestId: string, actorId: string, stepId: string): Promise<RetryOutcome> {
    const request = await this.store.mustGet(requestId);
    const refused = await this.mayDecide(request, actorId, 'retry');
    if (refused) return { kind: 'refused', reason: refused };
    const view = runView(await this.audit.read(requestId));
    const { phase, finished } = view.current;
    if (!finished || request.status === 'approved') return { kind: 'not_now', reason: `${requestId} is still running; retry once it has finished.` };
    const step = currentPhaseSteps(view).find((s) => s.id === stepId);
    if (!step || !isFailed(step)) return { kind: 'not_now', reason: `That step of ${requestId} has not failed: nothing to retry.` };
    if (phase === 'reinstate') {
      const superseded = await this.superseded(request, actorId, 'retry', `The reinstatement of ${requestId} cannot be retried`);
      if (superseded) return { kind: 'not_now', reason: superseded };
    }
    const granted = await grantRound(this.phaseDeps(), requestId, phase, [stepId], actorId, ['completed', 'disabled', 'reinstated']);
    if (granted.kind === 'not_now') return { kind: 'not_now', reason: `A retry of ${requestId} has just been started.` };
    return { kind: 'started', steps: 1 };
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

  /**
   * Removes the follow-ups of the bulk request `request` is one of once none of its people waits
   * with the others for their decision; one still waiting keeps them.
   */
  private async clearBatchFollowUps(request: OffboardRequest): Promise<void> {
    if (!request.batch) return;
    const members = await Promise.all((await this.store.batchMembers(request.batch.id)).map((id) => this.store.get(id)));
    if (!members.some((r) => r?.status === 'pending' && !r.reasked)) await this.timers.clearBatch(request.batch.id);
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

/** What an approval under `need` is recorded with. */
function termsOf(need: Requirement, approvedBy: string[] | undefined): ApprovalTerms {
  return { approvers: need.deciders, ...(approvedBy ? { approvedBy } : {}), digest: need.digest, rule: need.rule.name };
}

/** A refusal about one request of a bulk request, told on another's button: it names whom it is about. */
function inBatch(member: OffboardRequest, clicked: OffboardRequest, reason: string): string {
  if (member.id === clicked.id) return reason;
  return `${reason} (${member.id}, ${member.subject.name}, is in the same bulk request, which is approved as one: nothing was approved.)`;
}

/** The rule's own approver groups as a Slack mention, for a refusal to point at; none under OFFBOARD_APPROVERS. */
function decidersOf(need: Requirement): { deciders?: string } {
  return need.rule.approverGroups ? { deciders: need.rule.approverGroups.map((g) => `<!subteam^${g}>`).join(', ') } : {};
}

/** Whether the request was cancelled by this canceller (a Slack user id, or the HR system's name). */
const cancelledBy = (request: OffboardRequest, by: string) => request.status === 'cancelled' && request.ended?.by === by;
