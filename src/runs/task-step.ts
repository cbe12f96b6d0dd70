import { DelayedError, type Job } from 'bullmq';
import type { Attesters } from '../audit/audit-event.js';
import { stepJobDataSchema } from '../queue/queue-names.js';
import type { RunDeps } from './run-deps.js';
import { runView, type RunView } from './run-view.js';
import { mentionAttesters } from '../slack/blocks/attesters.js';
import { escapeText } from '../slack/blocks/block-kit.js';

/** What a manual task's job uses: the trail, Slack output, and how long a task stays open before its attesters are reminded. */
export type TaskStepDeps = Pick<RunDeps, 'audit' | 'outbox' | 'tasks'>;

/** How manual tasks wait. */
export interface TaskPolicy {
  /** An open task reminds its attesters this long after it opened, and again each time as long after (OFFBOARD_TASK_REMIND_AFTER). */
  remindAfterMs: number;
}

/**
 * One execution of a manual task's job. The task is done outside the bot, so the job never acts or
 * reads back: it opens the task (once a round) and parks itself as a delayed job until its next
 * reminder is due, holding no worker slot; the run's finishing job, its parent in the flow, waits
 * for it like any step. An attestation (TaskDesk) records the step's end in the trail and promotes
 * this job; woken, it finds the step ended and completes, and the run finishes. Woken at the
 * reminder's time with the task still open, it reminds the attesters and parks again. An attestation
 * recorded between the job reading the trail and parking is seen by the look after parking, which
 * promotes the job itself, so no attestation waits for a reminder to be noticed.
 */
export async function processTask(
  job: Job,
  token: string | undefined,
  deps: TaskStepDeps,
  { view, stepId, round, once, task }: { view: RunView; stepId: string; round: number; once: string; task: { instructions: string; attesters: Attesters } },
): Promise<void> {
  const data = stepJobDataSchema.parse(job.data);
  const { requestId } = data;
  // Attested in an earlier round (the disable phase): it stands for this one, and nobody is asked twice.
  const earlier = view.attestations.findLast((a) => a.stepId === stepId && a.round < round);
  if (earlier) {
    await deps.audit.appendOnce(requestId, `${once}:ended`, {
      type: 'step.attested',
      stepId,
      actor: earlier.actor,
      outcome: earlier.outcome,
      ...(earlier.note ? { note: earlier.note } : {}),
      attestedAt: earlier.attestedAt ?? earlier.at,
      carriedFrom: earlier.carriedFrom ?? earlier.round,
    });
    await deps.outbox.refreshChecklist(requestId, { progress: true });
    return;
  }
  const who = mentionAttesters(task.attesters);
  const opened = await deps.audit.appendOnce(requestId, `${once}:opened`, {
    type: 'task.opened',
    stepId,
    instructions: task.instructions,
    attesters: task.attesters,
  });
  await remindAndPark(job, token, deps, {
    stepId,
    round,
    once,
    opened: opened !== undefined,
    opening: `${who}: a task waits for you in the checklist: *${escapeText(data.title)}*. Attest it there once it is done.`,
    reminder: (n) => `${who}: reminder ${n}: *${escapeText(data.title)}* is still open in the checklist, and the offboarding waits for it.`,
  });
}

/**
 * What every task's job does once its task is open: says so (until it first parks, again after a
 * crash in between, idempotently), reminds at the due time (the nth reminder stated and said once
 * each), then parks as a delayed job until the next reminder; an attestation recorded since the
 * trail was read, which could not promote the still active job, is seen by the look after parking.
 */
export async function remindAndPark(
  job: Job,
  token: string | undefined,
  deps: TaskStepDeps,
  {
    stepId,
    round,
    once,
    opened,
    opening,
    reminder,
  }: { stepId: string; round: number; once: string; opened: boolean; opening: string; reminder: (n: number) => string },
): Promise<never> {
  const data = stepJobDataSchema.parse(job.data);
  const { requestId } = data;
  const now = Date.now();
  // Job ids of the alerts: idempotent, and without the ':' BullMQ refuses in a custom id.
  const key = `${stepId}.r${round}`;
  // Until the job first parks, the opening is said (again, idempotently, after a crash in between).
  if (opened || data.remindAt === undefined) {
    await deps.outbox.refreshChecklist(requestId);
    await deps.outbox.alert(requestId, `${key}.opened`, opening);
  }
  let reminders = data.reminders ?? 0;
  if (data.remindAt !== undefined && now >= data.remindAt) {
    // The nth reminder is stated and said once each, even when the last execution died between them.
    reminders += 1;
    await deps.audit.appendOnce(requestId, `${once}:reminded:${reminders}`, { type: 'task.reminded', stepId, reminder: reminders });
    await deps.outbox.alert(requestId, `${key}.remind${reminders}`, reminder(reminders));
  }
  const remindAt = data.remindAt !== undefined && now < data.remindAt ? data.remindAt : now + deps.tasks.remindAfterMs;
  await job.updateData({ ...data, remindAt, reminders });
  await job.moveToDelayed(remindAt, token);
  // An attestation recorded since the trail was read found this job still active and could not promote it.
  if (
    runView(await deps.audit.read(requestId))
      .rounds.at(-1)
      ?.ended.has(stepId)
  )
    await job.promote();
  throw new DelayedError();
}
