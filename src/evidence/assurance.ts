import type { StepProgress } from '../runs/run-view.js';
import { settles } from '../connectors/connector.js';

/**
 * How a step's final state is known, strongest first: the system read back and showed the change;
 * the step changed nothing and its inventory's listing showed nothing left (since 1.7); the system
 * accepted every change but no read-back confirmed it; a person attested it; access may remain; or
 * the step could not look at all (not checked, since 1.4).
 */
export type Assurance =
  | 'verified_by_read_back'
  | 'verified_by_listing'
  | 'acknowledged_by_system'
  | 'attested_by_person'
  | 'residual_not_verified'
  | 'not_checked';

export const ASSURANCE_LABELS: Record<Assurance, string> = {
  verified_by_read_back: 'Verified by read-back',
  verified_by_listing: 'Verified by its listing: nothing to change',
  acknowledged_by_system: 'Acknowledged by the system',
  attested_by_person: 'Attested by a person',
  residual_not_verified: 'Residual / not verified',
  not_checked: 'Not checked: the bot could not look',
};

export function assuranceOf(s: StepProgress, attested: boolean): Assurance {
  if (s.state === 'verified' && s.verification) return s.verification.by === 'listing' ? 'verified_by_listing' : 'verified_by_read_back';
  if (attested) return 'attested_by_person';
  if (s.state === 'unchecked') return 'not_checked';
  const changed = new Set((s.changes ?? []).filter(settles).map((c) => c.id));
  const acknowledged = s.found !== undefined && s.found.length > 0 && s.found.every((f) => changed.has(f.id));
  return acknowledged || s.state === 'verified' ? 'acknowledged_by_system' : 'residual_not_verified';
}

/**
 * How the verified steps among `steps` were confirmed, in words: "verified by read-back", or, when
 * some found nothing to change and were confirmed by their listing, says that too.
 */
export function verifiedHow(steps: StepProgress[]): string {
  const byListing = steps.some((s) => s.state === 'verified' && s.verification?.by === 'listing');
  return byListing ? 'verified by read-back, or by its listing where a step found nothing to change' : 'verified by read-back';
}
