import type { AuditRecord, Phase } from '../audit/audit-event.js';
import { stepId } from '../connectors/step-ref.js';
import { phaseOf } from './step-progress.js';

/**
 * What started a round: the approval (`first`), the end of the grace period (`scheduled`, or
 * `grace_ended` early by an approver), an approver's Reinstate (`reinstatement`) or Retry (`retry`).
 */
export type RoundKind = 'first' | 'scheduled' | 'grace_ended' | 'reinstatement' | 'retry';

export interface Round {
  round: number;
  phase: Phase;
  kind: RoundKind;
  /** The person who started it (the approver of the first round); absent when the schedule did. */
  by?: string;
  /** When it was planned. */
  at: string;
  steps: string[];
  /** The round's outcome, once it has finished. */
  outcome?: 'verified' | 'failures' | 'residual';
}

/**
 * Every round of a request, named for what it is, from the trail alone: a round of the phase the
 * previous round had is a retry; a delete phase after the disable phase ran when the grace period
 * ended, early if an approver ended it in between.
 */
export function roundsOf(trail: readonly AuditRecord[]): Round[] {
  const rounds: Round[] = [];
  const approved = trail.find((x) => x.type === 'request.approved');
  let since = 0;
  for (const [i, e] of trail.entries()) {
    if (e.type !== 'run.planned') continue;
    const phase = phaseOf(e);
    const previous = rounds.at(-1);
    const graceEnded = trail.slice(since, i).findLast((x) => x.type === 'grace.ended');
    const kind: RoundKind = !previous
      ? 'first'
      : previous.phase === phase
        ? 'retry'
        : phase === 'reinstate'
          ? 'reinstatement'
          : graceEnded
            ? 'grace_ended'
            : 'scheduled';
    // The deletion the grace period's end starts runs on the schedule's behalf, even when ended early.
    let by = e.by === 'schedule' ? undefined : e.by;
    if (kind === 'first' && approved?.type === 'request.approved') by = approved.actor;
    if (kind === 'grace_ended' && graceEnded?.type === 'grace.ended') by = graceEnded.actor;
    const finished = trail.find((x) => x.type === 'run.finished' && x.round === e.round);
    rounds.push({
      round: e.round,
      phase,
      kind,
      ...(by ? { by } : {}),
      at: e.at,
      steps: e.steps.map(stepId),
      ...(finished?.type === 'run.finished' ? { outcome: finished.outcome } : {}),
    });
    since = i + 1;
  }
  return rounds;
}

/** "disable phase", "delete phase (grace ended by Riley (U…))", "reinstatement by …", "retry by …". */
export function roundName(r: { phase: string; kind: RoundKind; by?: string | null }, person: (id: string) => string): string {
  const who = r.by ? person(r.by) : 'an approver';
  switch (r.kind) {
    case 'first':
      return `${r.phase} phase`;
    case 'scheduled':
      return `${r.phase} phase (by schedule)`;
    case 'grace_ended':
      return `${r.phase} phase (grace ended by ${who})`;
    case 'reinstatement':
      return `reinstatement by ${who}`;
    case 'retry':
      return `retry by ${who} of the ${r.phase} phase's failed steps`;
  }
}

/** What the systems of every round said, when it was planned, that offboarding them does not reach: each statement once. */
export function notCoveredOf(trail: readonly AuditRecord[]): string[] {
  return [...new Set(trail.flatMap((e) => (e.type === 'run.planned' ? (e.notCovered ?? []) : [])))];
}
