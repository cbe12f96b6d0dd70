import type { Phase } from '../audit/audit-event.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { RequestStatus } from '../requests/request.js';
import type { RequestStore } from '../requests/request-store.js';
import type { RunStarter } from './run-starter.js';
import { runView } from './run-view.js';

export interface PhaseRoundDeps {
  store: RequestStore;
  audit: AuditTrail;
  runs: RunStarter;
}

export type RoundGrant = { kind: 'started'; round: number; steps: number } | { kind: 'not_now'; status: RequestStatus };

/**
 * Grants the request a further round: the status flip from one of `from` back to approved stores
 * the round with it, so of several clicks (or a click and the schedule) one wins, and a crash
 * before the round is enqueued leaves it for the reconciler.
 */
export async function grantRound(
  deps: PhaseRoundDeps,
  requestId: string,
  phase: Phase,
  steps: string[],
  by: string,
  from: RequestStatus[],
): Promise<RoundGrant> {
  const { current } = runView(await deps.audit.read(requestId));
  const nextRound = { round: current.round + 1, phase, steps, by, at: new Date().toISOString() };
  const { applied, request } = await deps.store.patch(requestId, { status: 'approved', nextRound }, from);
  if (!applied) return { kind: 'not_now', status: request.status };
  await deps.runs.next(request, nextRound);
  return { kind: 'started', round: nextRound.round, steps: steps.length };
}
