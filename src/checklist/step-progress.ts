import type { AuditRecord } from '../audit/audit-event.js';
import type { Change, Finding } from '../connectors/connector.js';
import { stepId, type StepRef } from '../connectors/step-ref.js';

export type StepState = 'waiting' | 'running' | 'retrying' | 'verified' | 'failed';

export interface StepProgress {
  ref: StepRef;
  id: string;
  state: StepState;
  attempts: number;
  found?: Finding[];
  inventoryNote?: string;
  changes?: Change[];
  transactionId?: string;
  startedAt?: string;
  actedAt?: string;
  verification?: { checks: number; firstConfirmedAt: string; elapsedMs: number };
  /** Last error seen, for a failed or retrying step. */
  error?: string;
  retryInMs?: number;
}

/** The round the trail is in: how many runs have been planned, and whether the latest has finished. */
export function currentRound(trail: AuditRecord[]): { round: number; finished: boolean } {
  const round = trail.filter((e) => e.type === 'run.planned').length;
  return { round, finished: trail.some((e) => e.type === 'run.finished' && e.round === round) };
}

/** Folds a request's audit trail into the state of every planned step, in plan order. */
export function stepProgress(trail: AuditRecord[]): StepProgress[] {
  const steps = new Map<string, StepProgress>();
  for (const e of trail) {
    if (e.type === 'run.planned') {
      // A retry round plans its steps afresh: they are waiting again until their jobs run.
      for (const ref of e.steps) steps.set(stepId(ref), { ref, id: stepId(ref), state: 'waiting', attempts: 0 });
      continue;
    }
    if (!('stepId' in e)) continue;
    const s = steps.get(e.stepId);
    if (!s) continue;
    switch (e.type) {
      case 'step.started':
        s.state = 'running';
        s.attempts = Math.max(s.attempts, e.attempt);
        s.startedAt ??= e.at;
        break;
      case 'step.inventoried':
        s.found = e.found;
        s.inventoryNote = e.note;
        break;
      case 'step.acted':
        s.changes = e.changes;
        s.transactionId = e.transactionId;
        s.actedAt = e.at;
        break;
      case 'step.verified':
        s.state = 'verified';
        s.error = undefined;
        s.verification = { checks: e.checks, firstConfirmedAt: e.firstConfirmedAt, elapsedMs: e.elapsedMs };
        break;
      case 'step.retrying':
        s.state = 'retrying';
        s.error = e.error;
        s.retryInMs = e.retryInMs;
        break;
      case 'step.failed':
        s.state = 'failed';
        s.error = e.error;
        break;
    }
  }
  return [...steps.values()];
}
