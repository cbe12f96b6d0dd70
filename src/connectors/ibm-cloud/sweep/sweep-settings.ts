import { z } from 'zod';
import { positiveInt } from '../../../config/env-schema.js';

/** Five or six cron fields (BullMQ's cron-parser also takes seconds), each of digits, `*`, `/`, `,`, `-`, `?`, `L`, `W`, `#` or names. */
const CRON = /^\s*(\S+\s+){4,5}\S+\s*$/;
const CRON_FIELD = /^[\d*/,?LW#A-Za-z-]+$/;

function knownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The inactive-identities sweep's variables: part of IBM Cloud's, as the sweep reads IBM Cloud's activity report. */
export const sweepVariables = {
  OFFBOARD_SWEEP_CRON: z
    .string()
    .refine(
      (v) =>
        CRON.test(v) &&
        v
          .trim()
          .split(/\s+/)
          .every((f) => CRON_FIELD.test(f)),
      {
        message: 'OFFBOARD_SWEEP_CRON must be a cron pattern of 5 fields (minute hour day month weekday), e.g. "0 7 * * 1" for Mondays at 07:00',
      },
    )
    .optional()
    .meta({
      description:
        "When the inactive-identities sweep runs, as a cron pattern (e.g. `0 7 * * 1`, Mondays at 07:00): each account's IAM activity report is read and one digest per account is posted to the approval channel. Approvers can also run it at once with `/offboard sweep`",
      unset: 'unset (no scheduled sweep)',
    }),
  OFFBOARD_SWEEP_TZ: z
    .string()
    .refine(knownTimeZone, { message: 'OFFBOARD_SWEEP_TZ must be an IANA time zone such as Europe/Berlin or UTC' })
    .default('UTC')
    .describe('The time zone `OFFBOARD_SWEEP_CRON` is read in (IANA name, e.g. `Europe/Berlin`)'),
  OFFBOARD_SWEEP_INACTIVE_DAYS: z.coerce
    .number({ message: 'OFFBOARD_SWEEP_INACTIVE_DAYS must be a whole number of days' })
    .int()
    .min(1, 'OFFBOARD_SWEEP_INACTIVE_DAYS must be at least 1')
    .max(366, 'OFFBOARD_SWEEP_INACTIVE_DAYS must be at most 366 (IAM keeps a year of sign-ins)')
    .default(30)
    .describe('An identity is inactive when it has not signed in for this many days (the report is asked for this many days times 24 hours)'),
  OFFBOARD_SWEEP_POLL_MS: positiveInt(5_000).describe(
    'The first wait before reading a report IAM is still generating; each further wait doubles (at most 5 minutes), and the sweep of an account gives up after 12 reads, about 40 minutes at the default. Each wait is a delayed job, not a busy worker',
  ),
};

export interface SweepSettings {
  /** Unset: no scheduled sweep (approvers can still run one with `/offboard sweep`). */
  cron?: string;
  tz: string;
  inactiveDays: number;
  pollMs: number;
}

/** How many reads of a generating report before the sweep of an account gives up. */
export const SWEEP_MAX_POLLS = 12;
/** The longest wait between two reads. */
export const SWEEP_MAX_POLL_WAIT_MS = 5 * 60_000;

/** The wait before read number `polls + 1`: doubling from the first, capped. */
export function pollWait(settings: Pick<SweepSettings, 'pollMs'>, polls: number): number {
  return Math.min(settings.pollMs * 2 ** polls, SWEEP_MAX_POLL_WAIT_MS);
}
