import type { RotationOutcome } from '../audit/audit-event.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { RequestStore } from '../requests/request-store.js';
import { escapeText } from '../slack/blocks/block-kit.js';
import type { SlackDirectory } from '../slack/slack-directory.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';
import { rotationTasks, type RotationTask } from './handed-over.js';
import { rotationKey, runView } from './run-view.js';

export type RotationClosing =
  | { kind: 'closed'; label: string }
  /** Someone's earlier click got there first: nothing more was recorded. */
  | { kind: 'already'; by: string; at: string }
  | { kind: 'refused'; reason: string };

export interface RotationDeskOptions {
  audit: AuditTrail;
  store: RequestStore;
  directory: SlackDirectory;
  outbox: SlackOutbox;
}

/**
 * Closing the rotation tasks of handed-over credentials from the checklist: Rotated myself, or Not
 * needed (with the reason). Only the request's named successor or an approver may, never the person
 * leaving; the closing is written first-writer-wins in the trail, so two clicks record one, and is
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
    const stated = await this.o.audit.appendOnce(requestId, `rotation:${rotationKey(task!.stepId, task!.id)}`, {
      type: 'rotation.closed',
      stepId: task!.stepId,
      itemId: task!.id,
      actor: userId,
      outcome,
      ...(note ? { note } : {}),
    });
    if (!stated) return (await this.openTask(requestId, code)).refusal ?? { kind: 'refused', reason: 'This task was closed meanwhile.' };
    await this.o.outbox.refreshChecklist(requestId);
    return { kind: 'closed', label: task!.label };
  }

  /** What the task is called, for the reason modal. */
  async label(requestId: string, code: string): Promise<string> {
    return (await this.openTask(requestId, code)).task?.label ?? 'this credential';
  }

  private async openTask(requestId: string, code: string): Promise<{ task?: RotationTask; refusal?: Exclude<RotationClosing, { kind: 'closed' }> }> {
    const task = rotationTasks(runView(await this.o.audit.read(requestId))).find((t) => t.code === code);
    if (!task) return { refusal: { kind: 'refused', reason: 'This button names no rotation task of this request, so nothing was recorded.' } };
    if (task.closed) return { task, refusal: { kind: 'already', by: task.closed.actor, at: task.closed.at } };
    return { task };
  }

  private async authorise(requestId: string, task: RotationTask, userId: string): Promise<{ kind: 'refused'; reason: string } | undefined> {
    const request = await this.o.store.mustGet(requestId);
    if (request.subject.slackUserId === userId)
      return { kind: 'refused', reason: 'You cannot close a rotation task of your own offboarding, so nothing was recorded.' };
    if (request.successorSlackUserId === userId || (await this.o.directory.isApprover(userId))) return undefined;
    const successor = request.successorSlackUserId ? `<@${request.successorSlackUserId}>` : 'the successor';
    return {
      kind: 'refused',
      reason: `Only ${successor}, who took over what they created, or an offboarding approver can close the rotation of *${escapeText(task.label)}*, so nothing was recorded.`,
    };
  }
}
