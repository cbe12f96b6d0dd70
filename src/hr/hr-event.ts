import type { Reason } from '../requests/request.js';

/**
 * What every HR source's events come down to: someone's employment ends (at `effectiveAt`), or an
 * end announced earlier is withdrawn (a cancelled termination, a rehire). Sources map their own
 * payloads onto this; nothing downstream knows which HR system sent it.
 */
export interface HrEvent {
  kind: 'terminated' | 'cancelled';
  /** Their work email: how they are found in Slack and in every system. */
  email: string;
  employeeId: string;
  name?: string;
  /** ISO time their access must end; null: as soon as the request is approved. */
  effectiveAt: string | null;
  /** As the HR system words it; mapped with `mapReason`. */
  reason?: string;
}

/** HR systems' own words for why someone leaves, mapped onto the request's reasons; anything else is a termination, its words kept in the notes. */
const REASON_WORDS: Record<string, Reason> = {
  resignation: 'resignation',
  resigned: 'resignation',
  voluntary: 'resignation',
  retirement: 'resignation',
  termination: 'termination',
  terminated: 'termination',
  involuntary: 'termination',
  layoff: 'termination',
  redundancy: 'termination',
  termination_for_cause: 'termination_for_cause',
  for_cause: 'termination_for_cause',
  cause: 'termination_for_cause',
  misconduct: 'termination_for_cause',
  contract_end: 'contract_end',
  end_of_contract: 'contract_end',
  contract_ended: 'contract_end',
};

/** The request's reason for the HR system's words, and whether they were recognised. */
export function mapReason(words: string | undefined): { reason: Reason; recognised: boolean } {
  const key = (words ?? '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  const reason = Object.hasOwn(REASON_WORDS, key) ? REASON_WORDS[key] : undefined;
  return reason ? { reason, recognised: true } : { reason: 'termination', recognised: false };
}
