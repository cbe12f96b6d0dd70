import type { Change, Finding } from '../connectors/connector.js';
import type { StepRef } from '../connectors/step-ref.js';
import type { Identity } from '../connectors/system.js';
import type { Privilege } from '../requests/privilege.js';
import type { OffboardRequest } from '../requests/request.js';

/** What one step would touch, read (not changed) before anyone approves. */
export interface PreviewItem {
  ref: StepRef;
  found: Finding[];
  note?: string;
  /** Why the system could not be checked. */
  error?: string;
  /** Why this step could not look in this scope (the system does not answer for it here). */
  unchecked?: string;
  /** A manual task's instructions: it lists nothing; a person attests it once the run starts. */
  task?: string;
}

/**
 * Everything that happens to a request, in the order it happened. The checklist and the
 * evidence report are both rendered from this trail, never from in-memory state.
 */
export type AuditEvent =
  | { type: 'request.submitted'; actor: string; request: OffboardRequest }
  /**
   * `identities`: who the person is in each system, for approvers to check it is the right person.
   * `privileges`: what makes offboarding them riskier (absent in trails written before it was read).
   */
  | { type: 'request.previewed'; items: PreviewItem[]; identities?: { system: string; title: string; identities: Identity[] }[]; privileges?: Privilege[] }
  /**
   * A click or command refused to `actor`. `repeats`, when present: the same refusal (actor, action,
   * reason) counted this many times within its window so far; repeats in between are counted, not
   * recorded one by one. `action: 'feature'`: a power a system's feature gives outside any request
   * (`what`, as the refusal said it), refused to someone being offboarded and recorded in the trail
   * of the request about them.
   */
  | { type: 'approval.refused'; actor: string; action: DecisionAction; what?: string; reason: string; repeats?: number }
  /**
   * One approval of a request whose rule needs more than one: it stays pending until `needed`
   * distinct approvers have approved the same terms. `privileges` as read at click time; `digest`:
   * the terms it approved (see approval-terms; absent in trails written before approvals were bound);
   * `rule`: the policy's rule that applied.
   */
  | { type: 'approval.recorded'; actor: string; privileges: Privilege[]; needed: number; digest?: string; rule?: string }
  /**
   * `approvers`: who could approve at click time (the rule's approver groups, or OFFBOARD_APPROVERS).
   * `approvedBy`: every distinct approver whose approval counted, when more than one was needed.
   * `digest`: the terms every counted approval approved; `rule`: the rule that applied.
   */
  | { type: 'request.approved'; actor: string; approvers?: string[]; approvedBy?: string[]; digest?: string; rule?: string }
  /** One rejection of a request whose rule takes `needed` distinct rejections to end it. */
  | { type: 'rejection.recorded'; actor: string; reason: string; needed: number; rule: string }
  | { type: 'request.rejected'; actor: string; reason: string; rejectedBy?: string[] }
  /** Cancelled before its run started, in `state`; a scheduled run is removed. */
  | { type: 'request.cancelled'; actor: string; reason: string; state: string }
  /**
   * The requester moved when access ends (`from`/`to`, null: as soon as approved): approvals are asked
   * again. `state`: what it was in; `scheduled` (approved, its run waiting for its time) voids the
   * approval and the run planned for it (absent in trails written before an approved request could be rescheduled).
   */
  | { type: 'request.rescheduled'; actor: string; from: string | null; to: string | null; state?: string }
  /** The approvers were reminded (`reminder`: 1, 2, …) or the request escalated to `to`, while it waited for a decision. */
  | { type: 'request.reminded'; reminder: number }
  | { type: 'request.escalated'; to: string }
  /** Nobody decided within OFFBOARD_EXPIRE_AFTER. */
  | { type: 'request.expired'; afterMs: number }
  /**
   * Round 1 is the approved run; each retry of failed steps, each later phase (the deletion at the
   * end of the grace period, a reinstatement) is a further round, started by `by` (a person, or
   * `schedule`). `phase` is absent in trails written before phases existed: those deleted.
   */
  | {
      type: 'run.planned';
      round: number;
      steps: StepRef[];
      startsAt: string;
      by?: string;
      phase?: Phase;
      /** What the round's systems say they do not reach (their modules' `notCovered`), as planned. */
      notCovered?: string[];
    }
  /**
   * The deletion phase will start at `at` unless the person is reinstated first. `reviews`: its steps
   * that wait for a person's review (which SSH keys are theirs), offered in the checklist meanwhile.
   */
  | { type: 'deletion.scheduled'; deleteAt: string; reviews?: StepRef[] }
  /** `actor` made the review step `stepId` waits for (the system's feature keeps what was decided). */
  | { type: 'review.recorded'; stepId: string; actor: string }
  /**
   * A look, `afterMs` after a phase finished, for access that came back: anything beyond what the
   * phase left (a disabled key, the kept membership) is a finding, and any finding is an alert.
   */
  | { type: 'rescan.done'; phase: Phase; afterMs: number; findings: RescanFinding[]; unchecked: string[] }
  /** An approver ended the grace period early: the deletion starts now. */
  | { type: 'grace.ended'; actor: string }
  | { type: 'step.started'; stepId: string; attempt: number }
  /**
   * `note` says why nothing was found when that needs saying (e.g. not a member of the account);
   * `unchecked`, why the step could not look at all (trails written before it said "not checked: …" in `note`).
   */
  | { type: 'step.inventoried'; stepId: string; found: Finding[]; note?: string; unchecked?: string }
  /** Every identity of the person a system's identification found for the round; each step of the round works on these. */
  | { type: 'identities.found'; round: number; system: string; identities: Identity[] }
  /** A system where the person could not be looked up: its steps of the round fail with this reason. */
  | { type: 'identities.failed'; round: number; system: string; error: string }
  /** About to change `itemIds` under `transactionId`: if the answer is lost, a re-inventory attributes what vanished to it. */
  | { type: 'step.acting'; stepId: string; transactionId: string; itemIds: string[] }
  /**
   * Written the moment the target system confirms each change, so a crash loses none of them; a
   * change whose answer was lost, under the transaction id that made it; and, when a step fails for
   * good, what it set out to change and never saw changed (`still_present`, `outcome_unknown`).
   */
  | { type: 'step.acted'; stepId: string; transactionId: string; changes: Change[] }
  /**
   * `elapsedMs` runs from the first read-back after acting to the one that confirmed. `by: 'listing'`:
   * no read-back of its own (`checks` 0): the step changed nothing and its inventory's listing, read
   * at `firstConfirmedAt` (possibly shared, read before the step asked, within the listings' bounded
   * age), showed nothing left to change. Trails written before it say `checks: 1` for such an end.
   */
  | { type: 'step.verified'; stepId: string; checks: number; firstConfirmedAt: string; elapsedMs: number; by?: 'listing' }
  | { type: 'step.retrying'; stepId: string; attempt: number; error: string; retryInMs: number }
  /**
   * While it looked or acted, the step was told to wait before its next call (the request budget
   * of `IBMCLOUD_MAX_RPS` was used up, or IBM put the account on hold with a 429): that call was not
   * made, no retry was spent, and the same attempt goes on in about `resumeInMs`, under the same
   * transaction id. Trails written before it show such a wait as a new `step.started` attempt.
   */
  | { type: 'step.deferred'; stepId: string; attempt: number; reason: string; resumeInMs: number }
  /**
   * A read-back showed the person `shown`, which no look of the step had listed in this phase
   * (made since it looked, or skipped by a listing paged while the account changed): the step
   * looks again, afresh, and acts on it, instead of waiting to end not confirmed.
   */
  | { type: 'step.relooking'; stepId: string; attempt: number; shown: Finding[] }
  | { type: 'step.failed'; stepId: string; attempt: number; error: string }
  /**
   * The step could not look in its scope (the system does not answer for it there), so nothing was
   * read, changed or confirmed: never verified, never retried (the cause is configuration).
   */
  | { type: 'step.unchecked'; stepId: string; reason: string }
  /** Access the bot cannot remove (a rule-based group membership): reported, never passed off as verified. */
  | { type: 'step.residual'; stepId: string; items: Finding[]; note: string }
  /**
   * A manual task (a step of a `kind: manual` system) is open: done outside the bot, it waits for
   * one of `attesters` (or an approver) to attest it. Recorded once a round. `items`: a step whose
   * found items are each a task of their own (SystemStep.attestItems), as the round found them:
   * each is attested on its own (`item.attested`), and the step ends once every one is.
   */
  | { type: 'task.opened'; stepId: string; instructions: string; attesters: Attesters; items?: Finding[] }
  /**
   * One item of a step whose items are tasks attested by a person (done, or not applicable with the
   * note why): first-writer-wins per item over the whole request, so an item attested in the
   * disable phase stays attested in the deletion. Never read back by the bot.
   */
  | { type: 'item.attested'; stepId: string; itemId: string; label: string; actor: string; outcome: AttestationOutcome; note?: string }
  /**
   * Open rotation tasks were followed up: the successor's (or, with none in Slack, the approvers')
   * `reminder`-th reminder, or the one word to the requester (`to: requester`); `itemIds`: the tasks still open.
   */
  | { type: 'rotation.reminded'; to: 'successor' | 'approvers' | 'requester'; reminder?: number; itemIds: string[] }
  /**
   * A handed-over credential's rotation task closed by a person (the successor or an approver):
   * they rotated it themselves, or it needs no rotation (with the reason). Attested, never read back.
   */
  | { type: 'rotation.closed'; stepId: string; itemId: string; actor: string; outcome: RotationOutcome; note?: string }
  /** Rotate for me: `actor` (the successor or an approver) asked the bot to rotate the credential. Once a task. */
  | { type: 'rotation.requested'; stepId: string; itemId: string; actor: string }
  /**
   * The bot made the replacement (`replacementCreatedAt`, as the system dates it), which the
   * successor collects in the console at `link`: its id and name only, never its secret.
   */
  | { type: 'rotation.replaced'; stepId: string; itemId: string; replacementId: string; replacementName: string; replacementCreatedAt: string; link?: string }
  /** `actor` said they switched to the replacement (their `attempt`th Switched): the bot may disable the old credential. */
  | { type: 'rotation.switched'; stepId: string; itemId: string; actor: string; attempt: number }
  /** The old credential signed in at `lastUsed`, after the replacement was made: nothing was disabled, the successor was told. */
  | { type: 'rotation.held'; stepId: string; itemId: string; attempt: number; lastUsed: string }
  /** The old credential is disabled (reversibly), confirmed by reading it back; `detail` when there was nothing to disable. */
  | { type: 'rotation.retired'; stepId: string; itemId: string; attempt: number; detail?: string }
  /** The old credential is deleted at the delete phase, confirmed by reading it back (gone). */
  | { type: 'rotation.deleted'; stepId: string; itemId: string; detail?: string }
  /** The bot could not do its part of the rotation (`work`) and stopped: why, as the system said. Asking again tries again. */
  | { type: 'rotation.failed'; stepId: string; itemId: string; work: 'replace' | 'retire' | 'delete'; error: string }
  /** The `reminder`th reminder of an open task went to its attesters. */
  | { type: 'task.reminded'; stepId: string; reminder: number }
  /**
   * A person attested a manual task: done, or not applicable (with the note why). Never "verified":
   * the bot could not read it back. `attestedAt` and `carriedFrom` when an earlier round's
   * attestation stands for this one (a task attested in the disable phase is not asked again at deletion).
   */
  | {
      type: 'step.attested';
      stepId: string;
      actor: string;
      outcome: AttestationOutcome;
      note?: string;
      attestedAt?: string;
      carriedFrom?: number;
    }
  /**
   * The outcome over every step of the request, not just this round's: `attested` when every step
   * verified or was attested, and at least one was attested; `unchecked` when none failed or left
   * residual access but at least one could not look (`uncheckedSteps`), whatever the others did.
   */
  | {
      type: 'run.finished';
      round: number;
      outcome: 'verified' | 'attested' | 'failures' | 'residual' | 'unchecked';
      failedSteps: string[];
      residualSteps?: string[];
      uncheckedSteps?: string[];
    }
  /**
   * The evidence pack of a round, stored: `filename` names its PDF; `sha256` is the JSON's,
   * `chainHead` the last entry it covers. `fileId` and `files` (every file with its permalink) when
   * it was uploaded to the approval thread (OFFBOARD_EVIDENCE_IN_THREAD, or before packs went by
   * direct message).
   */
  /**
   * A round's pack stored. `revision` 2 and on: made again from the whole trail because rotation
   * tasks were closed after the earlier one; it supersedes the pack whose SHA-256 is `supersedes`.
   */
  | {
      type: 'report.published';
      round: number;
      fileId?: string;
      filename: string;
      files?: PublishedFile[];
      sha256?: string;
      chainHead?: string;
      keyId?: string;
      revision?: number;
      supersedes?: string;
    }
  /** The names Slack gave the people the trail mentions, recorded before a pack prints them, so the chain covers them. */
  | { type: 'people.named'; people: { id: string; name: string }[] }
  /**
   * Someone was given the evidence pack: sent by direct message (`files`, with the JSON's `sha256`)
   * because they asked (`via` the button or `/offboard report`) or as compliance when the round
   * finished; or refused it and why. Entries without `files` are hand-overs of links from before.
   */
  | { type: 'evidence.downloaded'; actor: string; via: EvidenceChannel; round: number; revision?: number; sha256?: string; files?: PublishedFile[] }
  | { type: 'evidence.refused'; actor: string; via: EvidenceChannel; reason: string }
  /**
   * The summary of the bulk request this request is one of (`requests` in all) was sent to `actor`
   * by direct message (`files`, with the JSON's `sha256`), as they asked or as compliance (`via`;
   * absent on jobs queued before it was kept). Recorded in the trail of every request it covers.
   */
  | { type: 'batch.summary_sent'; batchId: string; actor: string; via?: EvidenceChannel; requests: number; sha256: string; files: PublishedFile[] }
  /** The reconciler found work that should exist but did not (a crash, a lost or removed job) and repaired it. */
  | { type: 'run.reconciled'; action: ReconcileAction; detail: string };

/** Who may attest a manual task, beside approvers: named people, or the members of a Slack user group at click time. */
export type Attesters = { kind: 'users'; ids: string[] } | { kind: 'usergroup'; id: string };

/** `done`: the task was done; `not_applicable`: there was nothing to do (why, in the note). */
export type AttestationOutcome = 'done' | 'not_applicable';
/** How a rotation task was closed: rotated by the person who says so, or not needed (with the reason). */
export type RotationOutcome = 'rotated_myself' | 'not_needed';

/**
 * What a round does: `disable` removes access reversibly and keeps a snapshot of it, `delete`
 * removes everything for good, `reinstate` restores the snapshot.
 */
export type Phase = 'disable' | 'delete' | 'reinstate';

/** Access a re-scan found that the phase had ended: where, what, and why it counts. */
export interface RescanFinding {
  stepId: string;
  item: Finding;
  why: string;
}

/**
 * What a person may do to a request; `attest` a manual task, `close-rotation` a handed-over
 * credential's rotation task, `review` what a system's feature asks an approver to review;
 * `feature` a power a system's feature gives outside any request (the refusal says which).
 */
export type DecisionAction =
  | 'approve'
  | 'reject'
  | 'retry'
  | 'reinstate'
  | 'end-grace'
  | 'cancel'
  | 'reschedule'
  | 'attest'
  | 'close-rotation'
  | 'review'
  | 'feature';

export type ReconcileAction =
  | 'run-started'
  | 'run-requeued'
  | 'step-lost'
  | 'step-failed-silently'
  | 'announced'
  | 'deletion-rescheduled'
  | 'unreadable'
  | 'batch-approved'
  | 'asked-again'
  | 'rotation-requeued';

export type EvidenceChannel = 'button' | 'command' | 'compliance';

export interface PublishedFile {
  id: string;
  name: string;
  permalink?: string;
}

export type AuditEventType = AuditEvent['type'];

/** An event as stored: the stream entry id orders events, `at` is wall-clock time. */
export type AuditRecord = AuditEvent & { seq: string; at: string };
