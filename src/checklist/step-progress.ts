import type { AuditRecord, Phase } from '../audit/audit-event.js';
import { itemKey, settles, type Change, type Finding } from '../connectors/connector.js';
import { stepId, type StepRef } from '../connectors/step-ref.js';

/** `residual`: access the bot found but cannot remove (amber): never verified, never retried. */
export type StepState = 'waiting' | 'running' | 'retrying' | 'verified' | 'failed' | 'residual';

export interface StepProgress {
  ref: StepRef;
  id: string;
  /** The phase this entry tracks: one step has one entry per phase it ran in. */
  phase: Phase;
  state: StepState;
  attempts: number;
  /** Everything any attempt found, first sighting kept. */
  found?: Finding[];
  inventoryNote?: string;
  /**
   * Every change any attempt made; "removed" wins over a later "already absent", and anything
   * later wins over "still present" or "outcome unknown" (a retry round settled the item).
   */
  changes?: (Change & { transactionId?: string })[];
  /** Every transaction id an attempt acted under, in order. */
  transactionIds: string[];
  /** What each attempt set out to change, so a change whose answer was lost can be attributed. */
  intents: { transactionId: string; itemIds: string[] }[];
  startedAt?: string;
  actedAt?: string;
  verification?: { checks: number; firstConfirmedAt: string; elapsedMs: number };
  /** What a residual step found and cannot remove. */
  residual?: Finding[];
  /** Last error seen, for a failed or retrying step (for a residual one, what to do about it). */
  error?: string;
  retryInMs?: number;
}

/** The round the trail is in: how many runs have been planned, its phase, and whether it has finished. */
export function currentRound(trail: AuditRecord[]): { round: number; phase: Phase; finished: boolean } {
  const planned = trail.filter((e) => e.type === 'run.planned');
  const round = planned.length;
  const last = planned.at(-1);
  return { round, phase: last?.type === 'run.planned' ? phaseOf(last) : 'delete', finished: trail.some((e) => e.type === 'run.finished' && e.round === round) };
}

/** The entries of the current round's phase: what a retry re-runs and what the round's outcome is about. */
export function currentPhaseSteps(trail: AuditRecord[]): StepProgress[] {
  const { phase } = currentRound(trail);
  return stepProgress(trail).filter((s) => s.phase === phase);
}

/**
 * True when every step ran and found nothing at all: most often the email on the Slack profile
 * is not the one the person uses in the target systems, and "verified" would be false comfort.
 */
export function foundNothingAnywhere(steps: StepProgress[]): boolean {
  return steps.length > 0 && steps.every((s) => s.found !== undefined && s.found.length === 0 && !s.changes?.length);
}

/** The phase of a planned round; trails written before phases existed only deleted. */
export const phaseOf = (e: { phase?: Phase }): Phase => e.phase ?? 'delete';

/**
 * Folds a request's audit trail into the state of every planned step, in plan order: one entry
 * per step and phase. Events of a step belong to the phase of the latest round that planned it.
 */
export function stepProgress(trail: AuditRecord[]): StepProgress[] {
  const steps = new Map<string, StepProgress>();
  const current = new Map<string, string>();
  // A step ends once per round: a job that ran again after it ended (a stall, a lost answer from Redis) changes nothing of how.
  const ended = new Set<string>();
  for (const e of trail) {
    if (e.type === 'run.planned') {
      // A retry round sets its steps waiting again; what earlier rounds of the phase found and changed stays.
      for (const ref of e.steps) {
        const key = `${phaseOf(e)}:${stepId(ref)}`;
        current.set(stepId(ref), key);
        ended.delete(key);
        const earlier = steps.get(key);
        steps.set(key, {
          ...earlier,
          ref,
          id: stepId(ref),
          phase: phaseOf(e),
          state: 'waiting',
          attempts: 0,
          transactionIds: earlier?.transactionIds ?? [],
          intents: earlier?.intents ?? [],
          error: undefined,
        });
      }
      continue;
    }
    if (!('stepId' in e)) continue;
    const key = current.get(e.stepId) ?? '';
    const s = steps.get(key);
    if (!s) continue;
    if (ended.has(key) && IGNORED_ONCE_ENDED.has(e.type)) continue;
    if (CLOSING.has(e.type)) ended.add(key);
    switch (e.type) {
      case 'step.started':
        s.state = 'running';
        s.attempts = Math.max(s.attempts, e.attempt);
        s.startedAt ??= e.at;
        break;
      case 'step.inventoried':
        s.found = mergeById(s.found ?? [], e.found, () => false);
        if (s.found.length === 0) s.inventoryNote = e.note;
        break;
      case 'step.acting':
        s.intents.push({ transactionId: e.transactionId, itemIds: e.itemIds });
        break;
      case 'step.acted':
        s.changes = mergeById(
          s.changes ?? [],
          e.changes.map((c) => ({ ...c, transactionId: e.transactionId })),
          supersedes,
        );
        if (!s.transactionIds.includes(e.transactionId)) s.transactionIds.push(e.transactionId);
        s.actedAt ??= e.at;
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
      case 'step.residual':
        s.state = 'residual';
        s.residual = e.items;
        s.error = e.note;
        break;
    }
  }
  return [...steps.values()];
}

/** What ends a step for its round, and what says how far a step that has not ended is. */
const CLOSING = new Set(['step.verified', 'step.failed', 'step.residual']);
const IGNORED_ONCE_ENDED = new Set([...CLOSING, 'step.started', 'step.retrying']);

const supersedes = (old: Change, now: Change): boolean => !settles(old) || (old.outcome === 'already_absent' && now.outcome === 'removed');

function mergeById<T extends { id: string; owner?: string }>(into: T[], add: T[], replace: (old: T, now: T) => boolean): T[] {
  const merged = [...into];
  for (const item of add) {
    const at = merged.findIndex((x) => itemKey(x) === itemKey(item));
    if (at < 0) merged.push(item);
    else if (replace(merged[at]!, item)) merged[at] = item;
  }
  return merged;
}
