import { z } from 'zod';

export const REASONS = {
  resignation: 'Resignation',
  termination: 'Termination',
  termination_for_cause: 'Termination for cause',
  role_change: 'Role change',
  contract_end: 'Contract end',
  /** Offered by the inactive-identities sweep's Offboard button. */
  inactive_identity: 'Inactive identity',
} as const;
export type Reason = keyof typeof REASONS;
const reasonSchema = z.enum(Object.keys(REASONS) as [Reason, ...Reason[]]);

/** Own keys only: `toString` or `__proto__` are found on every object with `in`, and are no reason. */
export function isReason(value: string): value is Reason {
  return Object.hasOwn(REASONS, value);
}

/** Server-side lengths of typed text; the modals declare the same, so Slack and we agree. */
export const TEXT_LIMITS = { ticket: 100, notes: 2000, rejectReason: 1000 } as const;

/** The most people one form may ask for at once. */
export const MAX_BATCH = 100;

export const REQUEST_ID = /^OFF-[0-9A-Z]{6}$/;
/** A bulk request's id (commands/bulk-submission.ts): the same for every request stored from one form. */
export const BATCH_ID = /^BULK-[0-9A-F]{8}$/;

/** What happens to the identity, data and resources after access ends. */
export const dispositionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('disable_then_delete'), graceDays: z.number().int().min(1).max(365) }),
  z.object({ kind: z.literal('delete_now') }),
]);
export type Disposition = z.infer<typeof dispositionSchema>;

/**
 * What happens to what the person created (service IDs and their keys): handed over to the
 * successor and left working; disabled at once, then deleted when the grace period ends; or
 * deleted at the delete phase, left working until then (through the grace period, if there is one).
 */
export const CREATED_CHOICES = {
  hand_over: 'Hand over to the successor',
  disable: 'Disable, delete after the grace period',
  delete: 'Delete',
} as const;
export type CreatedItems = keyof typeof CREATED_CHOICES;

/** The request's choice for what the person created, as approvers and the evidence read it: when Delete deletes, and that it keeps working until then. */
export function describeCreated(created: CreatedItems, d: Disposition): string {
  if (created !== 'delete' || d.kind === 'delete_now') return CREATED_CHOICES[created];
  return `Delete when the grace period ends (${d.graceDays} day${d.graceDays === 1 ? '' : 's'}); left working until then`;
}

export function describeDisposition(d: Disposition): string {
  return d.kind === 'delete_now' ? 'Delete now' : `Disable now, delete after ${d.graceDays} day${d.graceDays === 1 ? '' : 's'}`;
}

/**
 * `approved`: a round is scheduled or running (`runStartedAt` says the first has started). `disabled`: access is removed and deletion waits for the end of
 * the grace period; the person can be reinstated. `reinstated`: restored from the snapshot.
 * `completed`: nothing more will happen (deleted, a role change done, or a finished run with failures to retry).
 * `cancelled`: by the requester or an approver before its run started. `expired`: nobody decided in time.
 * What people are shown is the finer state of request-state.ts.
 */
export const REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'disabled', 'reinstated', 'completed', 'cancelled', 'expired'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

const slackMessageRef = z.object({ channel: z.string(), ts: z.string() });

/**
 * The person leaving. `slackUserId` is null when they have no Slack account the bot could find (a
 * contractor who never had one, or someone asked for by email whom Slack does not know): every
 * system then finds them by `email` alone, and so does everything that asks whether a request is
 * about someone (see subjectKeys).
 */
export const subjectSchema = z.object({ slackUserId: z.string().nullable(), name: z.string(), email: z.string() });
export type Subject = z.infer<typeof subjectSchema>;

/**
 * Who asked: a person in Slack, or a system that is no Slack user (`slackUserId` null), such as the
 * HR system whose termination event filed the request ("HR system (BambooHR)" in `name`).
 */
export const requesterSchema = z.object({ slackUserId: z.string().nullable(), name: z.string() });

/**
 * The keys a request is indexed under per person: their email (letter case aside), always, and
 * their Slack user id when they have one. A request filed by email and one picked in Slack are
 * then about the same person, and someone asking is matched by either.
 */
export function subjectKeys(person: { slackUserId?: string | null; email?: string | null }): string[] {
  return [...(person.slackUserId ? [person.slackUserId] : []), ...(person.email ? [`email:${person.email.toLowerCase()}`] : [])];
}

/** Whether the request is about this person: their Slack user id, or their email (letter case aside). */
export function isAbout(r: Pick<OffboardRequest, 'subject'>, person: { slackUserId?: string | null; email?: string | null }): boolean {
  if (person.slackUserId && r.subject.slackUserId === person.slackUserId) return true;
  return Boolean(person.email) && r.subject.email.toLowerCase() === person.email!.toLowerCase();
}

export const offboardRequestSchema = z.object({
  id: z.string(),
  subject: subjectSchema,
  requester: requesterSchema,
  reason: reasonSchema,
  /** ISO time access must end; null means at approval. */
  effectiveAt: z.string().nullable(),
  disposition: dispositionSchema,
  successorSlackUserId: z.string().nullable(),
  /** The successor's name as Slack gave it at submission (requests stored before it was kept have none). */
  successorName: z.string().optional(),
  /** What happens to what the person created (absent on requests stored before it was asked: left as it is). */
  createdItems: z.enum(Object.keys(CREATED_CHOICES) as [CreatedItems, ...CreatedItems[]]).optional(),
  ticket: z.string().max(TEXT_LIMITS.ticket),
  /**
   * One of several people asked for in one form (a bulk request): each is an ordinary request of its
   * own, and one approval decides them all (see RequestLifecycle.approve). `size`: how many the form named.
   */
  batch: z.object({ id: z.string(), size: z.number().int().min(2).max(MAX_BATCH) }).optional(),
  notes: z.string().max(TEXT_LIMITS.notes),
  createdAt: z.string(),
  status: z.enum(REQUEST_STATUSES),
  decision: z
    .object({
      outcome: z.enum(['approved', 'rejected']),
      by: z.string(),
      at: z.string(),
      reason: z.string().max(TEXT_LIMITS.rejectReason).optional(),
    })
    .optional(),
  /** How a request ended without a decision: cancelled (by whom, why) or expired. */
  ended: z
    .object({
      outcome: z.enum(['cancelled', 'expired']),
      by: z.string().optional(),
      at: z.string(),
      reason: z.string().max(TEXT_LIMITS.rejectReason),
      /** What it was when cancelled (waiting for approval, approved and scheduled): the trail records it. */
      state: z.string().optional(),
    })
    .optional(),
  /** When the approved run's first round began: from then on it can no longer be cancelled or rescheduled. */
  runStartedAt: z.string().optional(),
  /**
   * The approvers were asked again after an approval (the requester rescheduled an approved request
   * before its run started): how many times (`count`), the latest when (`at`), and the time it had
   * been approved for (`from`). Its approvals no longer count, and its reminders start again from `at`.
   */
  reasked: z.object({ count: z.number().int().min(1), at: z.string(), from: z.string().nullable() }).optional(),
  approvalMessage: slackMessageRef.optional(),
  checklistMessage: slackMessageRef.optional(),
  /** The latest look for access that came back (the trail has every one), for App Home. */
  lastRescan: z.object({ at: z.string(), phase: z.enum(['disable', 'delete', 'reinstate']), findings: z.number().int().min(0) }).optional(),
  /**
   * A retry an approver asked for, stored with the status flip that grants it, so a crash before
   * its jobs are enqueued cannot lose it: the reconciler plans it.
   */
  nextRound: z
    .object({
      round: z.number().int().min(2),
      steps: z.array(z.string()).min(1),
      by: z.string(),
      phase: z.enum(['disable', 'delete', 'reinstate']).default('delete'),
      /** When it was granted (absent on requests stored before it was kept). */
      at: z.string().optional(),
    })
    .optional(),
});
export type OffboardRequest = z.infer<typeof offboardRequestSchema>;

/** The fields a requester fills in; the store adds id, status and timestamps. */
export const newRequestSchema = offboardRequestSchema.omit({
  id: true,
  createdAt: true,
  status: true,
  decision: true,
  ended: true,
  runStartedAt: true,
  reasked: true,
  approvalMessage: true,
  checklistMessage: true,
  nextRound: true,
  lastRescan: true,
});
export type NewRequest = z.infer<typeof newRequestSchema>;
