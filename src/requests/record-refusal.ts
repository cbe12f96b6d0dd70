import type { DecisionAction } from '../audit/audit-event.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { RequestStore } from './request-store.js';

/** Repeats of one refusal (same actor, action, request, reason) within this window are counted, not each recorded. */
const REFUSAL_WINDOW_MS = 10 * 60_000;

const isPowerOfTen = (n: number) => n >= 1 && 10 ** Math.round(Math.log10(n)) === n;

/**
 * Records a refused click in the request's trail and returns its reason. A flood of the same refused
 * click must not grow the trail without bound: the first of a window is recorded, then the running
 * count at 10, 100, 1000… repeats.
 */
export async function recordRefusal(
  o: { store: RequestStore; audit: AuditTrail },
  requestId: string,
  actorId: string,
  action: DecisionAction,
  reason: string,
  /** The power refused, in words, where `action` does not say it (a feature's). */
  what?: string,
): Promise<string> {
  const count = await o.store.countRefusal(requestId, actorId, action, what === undefined ? reason : `${what}\n${reason}`, REFUSAL_WINDOW_MS);
  if (isPowerOfTen(count)) {
    await o.audit.append(requestId, {
      type: 'approval.refused',
      actor: actorId,
      action,
      ...(what !== undefined ? { what } : {}),
      reason,
      ...(count > 1 ? { repeats: count } : {}),
    });
  }
  return reason;
}
