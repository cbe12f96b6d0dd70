import type { Queue } from 'bullmq';
import type { AttestationOutcome } from '../audit/audit-event.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { beingOffboardedReason } from '../requests/approval-policy.js';
import { openAboutUser } from '../requests/open-about-user.js';
import { recordRefusal } from '../requests/record-refusal.js';
import type { RequestStore } from '../requests/request-store.js';
import { escapeText } from '../slack/blocks/block-kit.js';
import type { SlackDirectory } from '../slack/slack-directory.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';
import { stepFactKey } from './account-for-step.js';
import { stepJobId } from './run-flow.js';
import { itemsEnd, itemTaskCode } from './item-tasks.js';
import { currentPhaseSteps, rotationKey, runView, type ItemTask, type StepProgress } from './run-view.js';
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
 * approver may; never the person being offboarded, nor anyone an open request is about (refused and
 * recorded). The attestation is the step's end, written
 * first-writer-wins in the trail, so two clicks (two instances at once) record one. The step's job,
 * parked as a delayed job, is then promoted so the run goes on at once; if this process dies before
 * that, the job finds the attestation when it next wakes (any click on the task wakes it too).
 */
export class TaskDesk {
  constructor(private readonly o: TaskDeskOptions) {}

  /** Why `userId` may not attest the task (or the item of it `item` names) now, refused or not open, or undefined when they may. */
  async mayAttest(requestId: string, stepId: string, userId: string, item?: string): Promise<Exclude<Attestation, { kind: 'attested' }> | undefined> {
    const { step, refusal } = await this.openTask(requestId, stepId, item);
    return refusal ?? (await this.authorise(requestId, step!, userId));
  }

  /**
   * Records the attestation of the task, or of its item named by `item` (its code, `itemTaskCode`)
   * for a step whose items are tasks: the item first-writer-wins over the whole request, then, once
   * every item is attested, the step's end, first-writer-wins for the round.
   */
  async attest(requestId: string, stepId: string, userId: string, outcome: AttestationOutcome, note?: string, item?: string): Promise<Attestation> {
    const { step, round, refusal, task } = await this.openTask(requestId, stepId, item);
    if (refusal) {
      if (refusal.kind === 'already') await this.wake(requestId, round, stepId);
      return refusal;
    }
    const refused = await this.authorise(requestId, step!, userId);
    if (refused) return refused;
    if (task) return await this.attestItem(requestId, step!, round, task, userId, outcome, note);
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

  /** What the task (or its item) is called, for the note modal. */
  async title(requestId: string, stepId: string, item?: string): Promise<string> {
    const { step, task } = await this.openTask(requestId, stepId, item);
    return task ? `${step!.ref.title}: ${task.label}` : (step?.ref.title ?? stepId);
  }

  private async attestItem(
    requestId: string,
    step: StepProgress,
    round: number,
    task: ItemTask,
    userId: string,
    outcome: AttestationOutcome,
    note: string | undefined,
  ): Promise<Attestation> {
    const stated = await this.o.audit.appendOnce(requestId, `item:${rotationKey(step.id, task.id)}`, {
      type: 'item.attested',
      stepId: step.id,
      itemId: task.id,
      label: task.label,
      actor: userId,
      outcome,
      ...(note ? { note } : {}),
    });
    // The last item closes the step; a crash before it is made good by the step's job when it wakes.
    const now = currentPhaseSteps(runView(await this.o.audit.read(requestId))).find((s) => s.id === step.id);
    const end = itemsEnd(step.id, now?.items ?? []);
    if (end) await this.o.audit.appendOnce(requestId, `${stepFactKey(round, step.id)}:ended`, end);
    await this.wake(requestId, round, step.id);
    if (!stated) {
      const mine = now?.items?.find((i) => i.id === task.id)?.attestation;
      return mine ? { kind: 'already', by: mine.by, at: mine.at } : { kind: 'not_open', reason: 'This task was closed meanwhile.' };
    }
    await this.o.outbox.refreshChecklist(requestId);
    return { kind: 'attested', title: `${step.ref.title}: ${task.label}` };
  }

  /** The task in the current round (and the item `item` names, for a step whose items are tasks), or why it cannot be attested. */
  private async openTask(
    requestId: string,
    stepId: string,
    item?: string,
  ): Promise<{ step?: StepProgress; round: number; task?: ItemTask; refusal?: Exclude<Attestation, { kind: 'attested' }> }> {
    const view = runView(await this.o.audit.read(requestId));
    const round = view.current.round;
    const step = currentPhaseSteps(view).find((s) => s.id === stepId);
    const task = item !== undefined ? step?.items?.find((i) => itemTaskCode(stepId, i.id) === item) : undefined;
    if (task?.attestation) return { step, round, task, refusal: { kind: 'already', by: task.attestation.by, at: task.attestation.at } };
    if (step?.state === 'attested' && step.attestation) return { step, round, refusal: { kind: 'already', by: step.attestation.by, at: step.attestation.at } };
    // A step whose items are tasks is attested item by item, never whole: a click must name one of its items.
    if (step?.state !== 'open' || !step.task || Boolean(step.items) !== (item !== undefined) || (item !== undefined && !task)) {
      return {
        step,
        round,
        refusal: { kind: 'not_open', reason: 'This task is not open for attestation (the offboarding has moved on), so nothing was recorded.' },
      };
    }
    return { step, round, ...(task ? { task } : {}) };
  }

  private async authorise(requestId: string, step: StepProgress, userId: string): Promise<{ kind: 'refused'; reason: string } | undefined> {
    const request = await this.o.store.mustGet(requestId);
    if (request.subject.slackUserId === userId)
      return { kind: 'refused', reason: 'You cannot attest a task of your own offboarding, so nothing was recorded.' };
    // Whoever is being offboarded keeps no power in the bot, an attester's or an approver's alike.
    const offboarded = beingOffboardedReason(await openAboutUser(this.o.store, this.o.directory, userId));
    if (offboarded) return { kind: 'refused', reason: await recordRefusal(this.o, requestId, userId, 'attest', offboarded) };
    const attesters = step.task!.attesters;
    const [approver, members] = await Promise.all([this.o.directory.isApprover(userId), this.o.directory.members(attesters)]);
    if (approver || members.includes(userId)) return undefined;
    const named = mentionAttesters(attesters);
    return {
      kind: 'refused',
      reason: `Only ${named ? `${named} or ` : ''}an offboarding approver can attest *${escapeText(step.ref.title)}*, so nothing was recorded.`,
    };
  }

  /** Promotes the task's parked job; one that is not parked right now looks at the trail itself after parking. */
  private async wake(requestId: string, round: number, stepId: string): Promise<void> {
    const job = await this.o.revocations.getJob(stepJobId(requestId, round, stepId));
    if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
  }
}
