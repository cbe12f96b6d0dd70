import { z } from 'zod';

export const REASONS = {
  resignation: 'Resignation',
  termination: 'Termination',
  termination_for_cause: 'Termination for cause',
  role_change: 'Role change',
  contract_end: 'Contract end',
} as const;
export type Reason = keyof typeof REASONS;
const reasonSchema = z.enum(Object.keys(REASONS) as [Reason, ...Reason[]]);

/** What happens to the identity, data and resources after access ends. */
export const dispositionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('disable_then_delete'), graceDays: z.number().int().min(1).max(365) }),
  z.object({ kind: z.literal('delete_now') }),
]);
export type Disposition = z.infer<typeof dispositionSchema>;

export function describeDisposition(d: Disposition): string {
  return d.kind === 'delete_now' ? 'Delete now' : `Disable now, delete after ${d.graceDays} day${d.graceDays === 1 ? '' : 's'}`;
}

export const REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'completed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

const slackMessageRef = z.object({ channel: z.string(), ts: z.string() });

export const offboardRequestSchema = z.object({
  id: z.string(),
  subject: z.object({ slackUserId: z.string(), name: z.string(), email: z.string() }),
  requester: z.object({ slackUserId: z.string(), name: z.string() }),
  reason: reasonSchema,
  /** ISO time access must end; null means at approval. */
  effectiveAt: z.string().nullable(),
  disposition: dispositionSchema,
  successorSlackUserId: z.string().nullable(),
  ticket: z.string(),
  notes: z.string(),
  createdAt: z.string(),
  status: z.enum(REQUEST_STATUSES),
  decision: z
    .object({
      outcome: z.enum(['approved', 'rejected']),
      by: z.string(),
      at: z.string(),
      reason: z.string().optional(),
    })
    .optional(),
  approvalMessage: slackMessageRef.optional(),
  checklistMessage: slackMessageRef.optional(),
});
export type OffboardRequest = z.infer<typeof offboardRequestSchema>;

/** The fields a requester fills in; the store adds id, status and timestamps. */
export type NewRequest = Omit<OffboardRequest, 'id' | 'createdAt' | 'status' | 'decision' | 'approvalMessage' | 'checklistMessage'>;
