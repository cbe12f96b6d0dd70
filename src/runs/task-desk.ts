import type { Queue } from 'bullmq';
import type { AttestationOutcome } from '../audit/audit-event.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { RequestStore } from '../requests/request-store.js';
import { escapeText } from '../slack/blocks/block-kit.js';
import type { SlackDirectory } from '../slack/slack-directory.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';
import { stepFactKey } from './account-for-step.js';
import { stepJobId } from './run-flow.js';
import { currentPhaseSteps, runView, type StepProgress } from './run-view.js';
import { mentionAttesters } from '../slack/blocks/attesters.js';

export type Attestation =
  | { kind: 'attested'; title: string }
  /** Someone else's click (or this person's earlier one) got there first: nothing more was recorded. */
  | { kind: 'already'; by: string; at: string }
  | { kind: 'refused'; reason: string }
  | { kind: 'not_open'; reason: string };

export interface TaskDeskOptions {
  audit: AuditTrail;
  store: RequestStore;
  directory: SlackDirectory;
  outbox: SlackOutbox;
  /** Where the task's parked step job is, to wake it once attested. */
  revocations: Queue;
}

/**
 * Attesting manual tasks from the checklist's Done and Not applicable buttons. Only the task's
 * attesters (its user ids, or the members of its user group as Slack says at click time) or an
 * approver may; never the person being offboarded. The attestation is the step's end, written
 * first-writer-wins in the trail, so two clicks (two instances at once) record one. The step's job,
 * parked as a delayed job, is then promoted so the run goes on at once; if this process dies before
 * that, the job finds the attestation when it next wakes (any click on the task wakes it too).
 */
export class TaskDesk {
  constructor(private readonly o: TaskDeskOptions) {}

  /** Why `userId` may not attest the task now (refused, or not open), or undefined when they may. */
  async mayAttest(requestId: string, stepId: string, userId: string): Promise<Exclude<Attestation, { kind: 'attested' }> | undefined> {
    const { step, refusal } = await this.openTask(requestId, stepId);
    return refusal ?? (await this.authorise(requestId, step!, userId));
  }

  async attest(requestId: string, stepId: string, userId: string, outcome: AttestationOutcome, note?: string): Promise<Attestation> {
    const { step, round, refusal } = await this.openTask(requestId, stepId);
    if (refusal) {
      if (refusal.kind === 'already') await this.wake(requestId, round, stepId);
      return refusal;
    }
    const refused = await this.authorise(requestId, step!, userId);
    if (refused) return refused;
    const stated = await this.o.audit.appendOnce(requestId, `${stepFactKey(round, stepId)}:ended`, {
      type: 'step.attested',
      stepId,
      actor: userId,
      outcome,
      ...(note ? { note } : {}),
    });
    await this.wake(requestId, round, stepId);
    if (!stated) {
      const again = await this.openTask(requestId, stepId);
      return again.refusal ?? { kind: 'not_open', reason: 'This task was closed meanwhile.' };
    }
    await this.o.outbox.refreshChecklist(requestId);
    return { kind: 'attested', title: step!.ref.title };
  }

  /** What the task is called, for the note modal. */
  async title(requestId: string, stepId: string): Promise<string> {
    return (await this.openTask(requestId, stepId)).step?.ref.title ?? stepId;
  }

  /** The task in the current round, or why it cannot be attested. */
  private async openTask(
    requestId: string,
    stepId: string,
  ): Promise<{ step?: StepProgress; round: number; refusal?: Exclude<Attestation, { kind: 'attested' }> }> {
    const view = runView(await this.o.audit.read(requestId));
    const round = view.current.round;
    const step = currentPhaseSteps(view).find((s) => s.id === stepId);
    if (step?.state === 'attested' && step.attestation) return { step, round, refusal: { kind: 'already', by: step.attestation.by, at: step.attestation.at } };
    if (step?.state !== 'open' || !step.task) {
      return {
        step,
        round,
        refusal: { kind: 'not_open', reason: 'This task is not open for attestation (the offboarding has moved on), so nothing was recorded.' },
      };
    }
    return { step, round };
  }

  private async authorise(requestId: string, step: StepProgress, userId: string): Promise<{ kind: 'refused'; reason: string } | undefined> {
    const request = await this.o.store.mustGet(requestId);
    if (request.subject.slackUserId === userId)
      return { kind: 'refused', reason: 'You cannot attest a task of your own offboarding, so nothing was recorded.' };
    const attesters = step.task!.attesters;
    const [approver, members] = await Promise.all([this.o.directory.isApprover(userId), this.o.directory.members(attesters)]);
    if (approver || members.includes(userId)) return undefined;
    return {
      kind: 'refused',
      reason: `Only ${mentionAttesters(attesters)} or an offboarding approver can attest *${escapeText(step.ref.title)}*, so nothing was recorded.`,
    };
  }

  /** Promotes the task's parked job; one that is not parked right now looks at the trail itself after parking. */
  private async wake(requestId: string, round: number, stepId: string): Promise<void> {
    const job = await this.o.revocations.getJob(stepJobId(requestId, round, stepId));
    if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
  }
}
