import type { Queue } from 'bullmq';
import type { AuditTrail } from '../audit/audit-trail.js';
import { ROTATION_REMIND_JOB, type RotationReminderData } from '../queue/queue-names.js';
import type { OffboardRequest } from '../requests/request.js';
import type { RequestStore } from '../requests/request-store.js';
import { escapeText } from '../slack/blocks/block-kit.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';
import { describeWait } from '../requests/pending-timers.js';
import { isOpenTask, rotationTasks, type RotationTask } from './handed-over.js';
import { runView } from './run-view.js';

/** How open rotation tasks are followed up, counted from when the run handed them over. */
export interface RotationTiming {
  /** The successor is reminded after this, and again each time as long after, while a task is open. */
  remindAfterMs: number;
  /** The requester is told once, this long after the hand-over, if a task is still open. */
  tellRequesterAfterMs: number;
}

/** How many open tasks a reminder lists before it counts the rest: the message stays within Slack's limits. */
const LISTED = 20;

/** Named apart from a pending request's follow-ups on the same queue (theirs start with the request id). */
const ids = (requestId: string) => ({
  remind: (n: number) => `rotation.${requestId}.remind.${n}`,
  requester: `rotation.${requestId}.requester`,
});

export interface RotationRemindersOptions {
  queue: Queue;
  store: RequestStore;
  audit: AuditTrail;
  outbox: SlackOutbox;
  timing: RotationTiming;
  now?: () => number;
}

/**
 * The reminders of a run's open rotation tasks (the handed-over credentials the successor rotates),
 * as delayed jobs with fixed ids on the follow-ups queue (`offboard-pending`): they survive restarts and are armed once however
 * often the run asks. Each reminder reads the trail when it fires: with nothing open (every task
 * closed, or the request reinstated) it says nothing and arms no next one; else it lists the open
 * tasks to the successor (to the approvers in the request's thread when the request names no
 * successor in Slack: they may close the tasks too) and arms the next. The requester is told once,
 * after the second interval, if any task is still open.
 */
export class RotationReminders {
  private readonly now: () => number;

  constructor(private readonly o: RotationRemindersOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Arms the first reminder and the word to the requester, counted from now (the run's hand-over). */
  async arm(requestId: string): Promise<void> {
    const since = new Date(this.now()).toISOString();
    await this.add(ids(requestId).remind(1), { requestId, since, reminder: 1 }, this.o.timing.remindAfterMs);
    await this.add(ids(requestId).requester, { requestId, since, requester: true }, this.o.timing.tellRequesterAfterMs);
  }

  /** What a reminder job does when it fires. */
  async fire(data: RotationReminderData): Promise<void> {
    const request = await this.o.store.get(data.requestId);
    if (!request || request.status === 'reinstated') return;
    const open = rotationTasks(runView(await this.o.audit.read(data.requestId))).filter(isOpenTask);
    if (open.length === 0) return;
    if (data.requester) return this.tellRequester(request, open);
    const n = data.reminder ?? 1;
    const list = listed(open);
    const waited = describeWait(Date.now() - Date.parse(data.since));
    const successor = request.successorSlackUserId;
    const itemIds = open.map((t) => t.id);
    await this.o.audit.appendOnce(request.id, `rotation:remind:${n}`, {
      type: 'rotation.reminded',
      to: successor ? 'successor' : 'approvers',
      reminder: n,
      itemIds,
    });
    if (successor) {
      await this.o.outbox.notify(
        request.id,
        `rotation-remind-${n}`,
        successor,
        `:key: Reminder: ${open.length} credential${open.length === 1 ? '' : 's'} handed over to you from ${escapeText(request.subject.name)} (*${request.id}*) still ${open.length === 1 ? 'needs' : 'need'} rotating, ${waited} after the hand-over. Close each in the request's checklist once rotated (or not needed):\n${list}`,
      );
    } else {
      await this.o.outbox.alert(
        request.id,
        `rotation-remind-${n}`,
        `:key: Reminder: ${open.length} rotation task${open.length === 1 ? '' : 's'} of *${request.id}* (${escapeText(request.subject.name)}) ${open.length === 1 ? 'is' : 'are'} still open, ${waited} after the hand-over, and the request names no successor in Slack: an approver closes ${open.length === 1 ? 'it' : 'them'} in the checklist once rotated (or not needed):\n${list}`,
      );
    }
    await this.add(ids(request.id).remind(n + 1), { ...data, reminder: n + 1 }, Date.parse(data.since) + this.o.timing.remindAfterMs * (n + 1) - this.now());
  }

  private async tellRequester(request: OffboardRequest, open: RotationTask[]): Promise<void> {
    const waited = describeWait(this.o.timing.tellRequesterAfterMs);
    const who = request.successorSlackUserId ? `<@${request.successorSlackUserId}>` : 'nobody in Slack (the approvers are reminded)';
    await this.o.audit.appendOnce(request.id, 'rotation:requester', { type: 'rotation.reminded', to: 'requester', itemIds: open.map((t) => t.id) });
    await this.o.outbox.notify(
      request.id,
      'rotation-requester',
      request.requester.slackUserId,
      `:key: ${open.length} credential${open.length === 1 ? '' : 's'} that ${escapeText(request.subject.name)} created or saw (*${request.id}*) ${open.length === 1 ? 'is' : 'are'} still not rotated ${waited} after the hand-over to ${who}:\n${listed(open)}`,
    );
  }

  private async add(jobId: string, data: RotationReminderData, delay: number): Promise<void> {
    await this.o.queue.add(ROTATION_REMIND_JOB, data, {
      jobId,
      delay: Math.max(0, delay),
      attempts: 25,
      backoff: { type: 'offboard' },
      removeOnComplete: { age: 90 * 24 * 3600 },
      removeOnFail: { age: 90 * 24 * 3600 },
    });
  }
}

function listed(open: RotationTask[]): string {
  // A bare address (Slack links it), as in the hand-over message: no outside text sits inside link markup.
  const lines = open
    .slice(0, LISTED)
    .map((t) => `• *${escapeText(t.label)}* (\`${escapeText(t.id)}\`), ${escapeText(t.where)}${t.link ? `: ${escapeText(t.link)}` : ''}`);
  if (open.length > LISTED) lines.push(`…and ${open.length - LISTED} more, in the checklist.`);
  return lines.join('\n');
}
