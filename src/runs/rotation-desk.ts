import type { RotationOutcome } from '../audit/audit-event.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { beingOffboardedReason } from '../requests/approval-policy.js';
import { openAboutUser } from '../requests/open-about-user.js';
import { recordRefusal } from '../requests/record-refusal.js';
import type { RequestStore } from '../requests/request-store.js';
import { escapeText, user } from '../slack/blocks/block-kit.js';
import type { SlackDirectory } from '../slack/slack-directory.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';
import { closedTaskCount, rotationTasks, type RotationTask } from './handed-over.js';
import type { RotationJobs } from './rotation-queue.js';
import { rotationKey, runView } from './run-view.js';

export type RotationClosing =
  | { kind: 'closed'; label: string }
  /** Rotate for me or Switched was recorded and the bot's work queued: what the clicker is told. */
  | { kind: 'queued'; text: string }
  /** Someone's earlier click got there first: nothing more was recorded. */
  | { kind: 'already'; by: string; at: string }
  | { kind: 'refused'; reason: string };

export interface RotationDeskOptions {
  audit: AuditTrail;
  store: RequestStore;
  directory: SlackDirectory;
  outbox: SlackOutbox;
  /** Where the bot's rotation work is queued (Rotate for me, Switched). */
  jobs: RotationJobs;
}

/**
 * Closing the rotation tasks of handed-over credentials from the checklist: Rotated myself, or Not
 * needed (with the reason). Only the request's named successor or an approver may, never the person
 * leaving nor anyone an open request is about (refused and recorded); the closing is written first-writer-wins in the trail, so two clicks record one, and is
 * an attestation by that person at that time: the bot reads nothing back.
 */
export class RotationDesk {
  constructor(private readonly o: RotationDeskOptions) {}

  /** Why `userId` may not close the task now, or undefined when they may. */
  async mayClose(requestId: string, code: string, userId: string): Promise<Exclude<RotationClosing, { kind: 'closed' }> | undefined> {
    const { task, refusal } = await this.openTask(requestId, code);
    return refusal ?? (await this.authorise(requestId, task!, userId));
  }

  async close(requestId: string, code: string, userId: string, outcome: RotationOutcome, note?: string): Promise<RotationClosing> {
    const { task, refusal } = await this.openTask(requestId, code);
    if (refusal) return refusal;
    const refused = await this.authorise(requestId, task!, userId);
    if (refused) return refused;
    if (task!.bot) return { kind: 'refused', reason: botUnderWay(task!) };
    const stated = await this.o.audit.appendOnce(requestId, `rotation:${rotationKey(task!.stepId, task!.id)}`, {
      type: 'rotation.closed',
      stepId: task!.stepId,
      itemId: task!.id,
      actor: userId,
      outcome,
      ...(note ? { note } : {}),
    });
    if (!stated) return (await this.openTask(requestId, code)).refusal ?? { kind: 'refused', reason: 'This task was closed meanwhile.' };
    // A pack stored before this closing does not show it: a new one is made from the whole trail.
    await this.o.jobs.repack(requestId, closedTaskCount(runView(await this.o.audit.read(requestId))));
    await this.o.outbox.refreshChecklist(requestId);
    return { kind: 'closed', label: task!.label };
  }

  /**
   * Rotate for me: recorded first-writer-wins (two clicks ask once), then the replacement is made by
   * a job. A click that finds it asked already queues the job again (the job id makes that one
   * job), so a crash between the record and the queue is mended by clicking again.
   */
  async rotateForMe(requestId: string, code: string, userId: string): Promise<RotationClosing> {
    const { task, refusal } = await this.openTask(requestId, code);
    if (refusal) return refusal;
    const refused = await this.authorise(requestId, task!, userId);
    if (refused) return refused;
    const t = task!;
    const work = { requestId, stepId: t.stepId, itemId: t.id, work: 'replace' as const };
    if (t.bot?.replaced) return { kind: 'refused', reason: botUnderWay(t) };
    const first = t.bot
      ? undefined
      : await this.o.audit.appendOnce(requestId, `rotation-request:${rotationKey(t.stepId, t.id)}`, {
          type: 'rotation.requested',
          stepId: t.stepId,
          itemId: t.id,
          actor: userId,
        });
    await this.o.jobs.queue(work, code);
    await this.o.outbox.refreshChecklist(requestId);
    if (!first) {
      const by = t.bot?.requested.actor ?? (await this.openTask(requestId, code)).task?.bot?.requested.actor;
      return {
        kind: 'queued',
        text: `${by ? `${user(by)} asked already` : 'It was asked already'}: I am making the replacement of *${escapeText(t.label)}*; the checklist shows it once made.`,
      };
    }
    return {
      kind: 'queued',
      text: `I am making a replacement for *${escapeText(t.label)}*. Its secret is never sent in Slack: the checklist and a direct message say where to collect it.`,
    };
  }

  /**
   * Switched: the successor (or an approver) says nothing uses the old credential any more. Recorded
   * once per round of asking (a hold, the old one still in use, lets them say it again), then a job
   * reads the old one's last use and disables it, or holds and says why.
   */
  async switched(requestId: string, code: string, userId: string): Promise<RotationClosing> {
    const { task, refusal } = await this.openTask(requestId, code);
    if (refusal) return refusal;
    const refused = await this.authorise(requestId, task!, userId);
    if (refused) return refused;
    const t = task!;
    if (!t.bot?.replaced)
      return {
        kind: 'refused',
        reason: `No replacement of *${escapeText(t.label)}* has been made yet, so there is nothing to switch to; nothing was recorded.`,
      };
    const attempt = t.bot.holds.length + 1;
    const earlier = t.bot.switches.find((s) => s.attempt === attempt);
    const first = earlier
      ? undefined
      : await this.o.audit.appendOnce(requestId, `rotation-switch:${rotationKey(t.stepId, t.id)}:${attempt}`, {
          type: 'rotation.switched',
          stepId: t.stepId,
          itemId: t.id,
          actor: userId,
          attempt,
        });
    await this.o.jobs.queue({ requestId, stepId: t.stepId, itemId: t.id, work: 'retire', attempt }, code);
    await this.o.outbox.refreshChecklist(requestId);
    if (!first) {
      const by = earlier?.actor ?? (await this.openTask(requestId, code)).task?.bot?.switches.find((s) => s.attempt === attempt)?.actor;
      return {
        kind: 'queued',
        text: `Switched was clicked already${by ? ` by ${user(by)}` : ''}: I am checking the old *${escapeText(t.label)}* and disabling it.`,
      };
    }
    return {
      kind: 'queued',
      text: `I am checking when *${escapeText(t.label)}* was last used: if nothing used it since the replacement was made, I disable it and read it back; otherwise I tell you and disable nothing.`,
    };
  }

  /** What the task is called, for the reason modal. */
  async label(requestId: string, code: string): Promise<string> {
    return (await this.openTask(requestId, code)).task?.label ?? 'this credential';
  }

  private async openTask(requestId: string, code: string): Promise<{ task?: RotationTask; refusal?: Exclude<RotationClosing, { kind: 'closed' }> }> {
    const task = rotationTasks(runView(await this.o.audit.read(requestId))).find((t) => t.code === code);
    if (!task) return { refusal: { kind: 'refused', reason: 'This button names no rotation task of this request, so nothing was recorded.' } };
    if (task.closed) return { task, refusal: { kind: 'already', by: task.closed.actor, at: task.closed.at } };
    if (task.bot?.retired) return { task, refusal: { kind: 'already', by: task.bot.requested.actor, at: task.bot.retired.at } };
    return { task };
  }

  private async authorise(requestId: string, task: RotationTask, userId: string): Promise<{ kind: 'refused'; reason: string } | undefined> {
    const request = await this.o.store.mustGet(requestId);
    if (request.subject.slackUserId === userId)
      return { kind: 'refused', reason: 'You cannot close a rotation task of your own offboarding, so nothing was recorded.' };
    // Whoever is being offboarded keeps no power in the bot, a successor's or an approver's alike.
    const offboarded = beingOffboardedReason(await openAboutUser(this.o.store, this.o.directory, userId));
    if (offboarded) return { kind: 'refused', reason: await recordRefusal(this.o, requestId, userId, 'close-rotation', offboarded) };
    if (request.successorSlackUserId === userId || (await this.o.directory.isApprover(userId))) return undefined;
    const successor = request.successorSlackUserId ? `<@${request.successorSlackUserId}>` : 'the successor';
    return {
      kind: 'refused',
      reason: `Only ${successor}, who took over what they created, or an offboarding approver can close the rotation of *${escapeText(task.label)}*, so nothing was recorded.`,
    };
  }
}

/** Why a person's closing is refused while the bot rotates the credential. */
const botUnderWay = (t: RotationTask) =>
  `${user(t.bot!.requested.actor)} asked the bot to rotate *${escapeText(t.label)}*${t.bot!.replaced ? `; its replacement *${escapeText(t.bot!.replaced.replacementName)}* is made: click *Switched* once nothing uses the old one` : ', and it is under way'}. Nothing more was recorded.`;
