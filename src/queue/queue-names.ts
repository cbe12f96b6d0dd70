import { z } from 'zod';

export const QUEUES = {
  /** One job per system step; the per-account membership step is the parent of that account's other steps. */
  revocations: 'offboard-revocations',
  /** Per round: finding the person in every system, then one parent job that waits for every step and publishes the evidence. */
  runs: 'offboard-runs',
  /** A read-only inventory per submitted request, so approvers see what will be touched. */
  previews: 'offboard-previews',
  /** Everything the bot writes to Slack: one job per message refresh, retried until Slack accepts it. */
  slack: 'offboard-slack',
  /** The reconciler, at start-up and on a schedule. */
  maintenance: 'offboard-maintenance',
  /** While a request waits for a decision: the reminders, its escalation and its expiry, as delayed jobs. */
  pending: 'offboard-pending',
  /** Each system's own work beyond one person's offboarding (its features' jobs, named `<system id>.<job>`). */
  systems: 'offboard-systems',
} as const;

export const PREVIEW_JOB = 'preview';

export const FINISH_RUN_JOB = 'finish-run';

export const IDENTIFY_JOB = 'identify';

/** Sends a stored evidence pack to one person by direct message, and records it. */
export const DELIVER_EVIDENCE_JOB = 'deliver-evidence';

/** Makes a round's pack again, from the whole trail, once rotation tasks were closed after it was stored. */
export const EVIDENCE_ROTATION_JOB = 'evidence-rotation';

/** Sends the summary of a bulk request (src/evidence/batch-summary.ts) to one person by direct message. */
export const DELIVER_BATCH_SUMMARY_JOB = 'deliver-batch-summary';

/** At the end of a grace period: starts the request's deletion round. */
export const START_DELETION_JOB = 'start-deletion';

/** A day before a deletion that waits for a review nobody has made: calls on the approvers. */
export const REVIEW_REMINDER_JOB = 'review-reminder';

/** At each interval after a phase: looks for access that came back. */
export const RESCAN_JOB = 'rescan';
/** A reminder of a run's open rotation tasks (see RotationReminders). */
export const ROTATION_REMIND_JOB = 'rotation-remind';

/** While a request waits for a decision: remind its approvers, escalate it, let it expire. */
export const PENDING_JOBS = { remind: 'remind-approvers', escalate: 'escalate-request', expire: 'expire-request' } as const;

export const RECONCILE_JOB = 'reconcile';

/** Rotate for me: making a handed-over credential's replacement, or retiring the old one after Switched. */
export const ROTATION_JOB = 'rotate-credential';

export const rotationJobDataSchema = z.object({
  requestId: z.string(),
  stepId: z.string(),
  itemId: z.string(),
  /** `replace`: make the replacement; `retire`: after the `attempt`th Switched, disable the old one unless it is still used. */
  work: z.enum(['replace', 'retire']),
  attempt: z.number().int().min(1).optional(),
});
export type RotationJobData = z.infer<typeof rotationJobDataSchema>;

export const SLACK_JOBS = {
  /** Posts the approval message for a new request. */
  announce: 'announce',
  /** Re-renders the approval message from the request and its trail. */
  approval: 'approval-message',
  /** Posts or re-renders the checklist in the request's thread. */
  checklist: 'checklist',
  /** Posts or re-renders a bulk request's combined checklist (one line per person) in the approval channel. */
  batchChecklist: 'batch-checklist',
  /** A direct message to one person in the app's Messages tab. */
  notify: 'notify',
  /** An alert in the request's thread and, mentioning the approvers, in the approval channel. */
  alert: 'alert',
  /** The successor's direct message listing what the person created that was handed over to them. */
  handover: 'handover',
} as const;

export const stepJobDataSchema = z.object({
  requestId: z.string(),
  system: z.string(),
  scope: z.string(),
  step: z.string(),
  title: z.string(),
  /** Set once the step has acted: later executions only read the system back. */
  verify: z
    .object({
      startedAt: z.number(),
      checks: z.number(),
      pauseMs: z.number(),
      learns: z.string().optional(),
      waited: z.boolean().optional(),
      waitedMs: z.number().optional(),
      missedAfterMs: z.number().optional(),
    })
    .optional(),
  /**
   * The execution a request budget or a hold on the account sent back before its read-backs
   * (`step.deferred`): the job's next execution goes on as that one (same attempt, same
   * transaction id), once.
   */
  paused: z.number().int().min(1).optional(),
  /** How many times in this round a read-back sent the step to look again (it showed something no look had listed). */
  relooks: z.number().int().min(0).optional(),
  /** A manual task's job, parked until its next reminder is due (epoch ms): an earlier wake (an attestation's) reminds no one. */
  remindAt: z.number().optional(),
  /** How many reminders the task has sent this round. */
  reminders: z.number().optional(),
});
export type StepJobData = z.infer<typeof stepJobDataSchema>;

export const rescanJobDataSchema = z.object({ requestId: z.string(), phase: z.enum(['disable', 'delete', 'reinstate']), afterMs: z.number().int().positive() });

const identitySchema = z.object({ scope: z.string(), id: z.string(), label: z.string(), detail: z.string().optional(), refusal: z.string().optional() });

/** What earlier attempts of a round's identification learned: identities per system and scope, credential owners per system. */
export const identifyProgressSchema = z.object({
  found: z.record(z.string(), z.array(identitySchema)),
  owners: z.record(z.string(), z.array(z.object({ id: z.string(), credential: z.string() }))),
});
export type IdentifyProgress = z.infer<typeof identifyProgressSchema>;

export const roundJobDataSchema = z.object({ requestId: z.string(), round: z.number().int().min(1), learned: identifyProgressSchema.optional() });

/** Jobs that only need to know their request: finishing a run, previewing one, refreshing its messages. */
export const requestJobDataSchema = z.object({ requestId: z.string() });

/** A checklist refresh; `notBefore`: Slack asked us to wait until then (a 429's Retry-After), whatever wakes the job sooner. */
export const checklistJobDataSchema = z.object({ requestId: z.string(), notBefore: z.number().optional() });

export const batchJobDataSchema = z.object({ batchId: z.string() });

export const notifyJobDataSchema = z.object({ requestId: z.string(), userId: z.string(), text: z.string() });

export const alertJobDataSchema = z.object({ requestId: z.string(), text: z.string() });

/**
 * A pending request's follow-up; `reminder`: which reminder (1, 2, …). `since`: when the approvers
 * were asked (absent on jobs queued before it was kept: the request's submission). `asked`: how many
 * times they were asked again after an approval (see OffboardRequest.reasked); a job of an earlier
 * asking does nothing. `batchId`: the follow-up of a whole bulk request, one for all its people.
 */
export const pendingJobDataSchema = z.object({
  requestId: z.string(),
  reminder: z.number().int().min(1).optional(),
  since: z.string().optional(),
  asked: z.number().int().min(1).optional(),
  batchId: z.string().optional(),
});
export type PendingJobData = z.infer<typeof pendingJobDataSchema>;

/**
 * A reminder of a run's open rotation tasks: the successor's `reminder`-th, or (`requester`) the word
 * to the requester; `since`: when the run handed the tasks over.
 */
export const rotationReminderDataSchema = z.object({
  requestId: z.string(),
  since: z.string(),
  reminder: z.number().int().min(1).optional(),
  requester: z.boolean().optional(),
});
export type RotationReminderData = z.infer<typeof rotationReminderDataSchema>;
