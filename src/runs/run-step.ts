import type { Phase } from '../audit/audit-event.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { StepProgress } from './run-view.js';
import { itemKey, settles, type Change, type Finding, type StepAction, type StepCapabilities, type StepContext } from '../connectors/connector.js';
import { observingListings, readAtOf, readingFresh } from '../connectors/read-fresh.js';
import { NotConfirmedError } from '../connectors/step-errors.js';
import { ANSWER_LOST, confirmMade, pendingItems } from './account-for-step.js';
import type { ReadBackDelays } from './read-back-delays.js';

/** A step's inventory with the action a phase runs. */
export type PhaseStep = StepAction & Pick<StepCapabilities, 'inventory'>;

export interface VerifyPolicy {
  /** Give up on the read-back after this long. */
  timeoutMs: number;
  /** The shortest pause between read-backs. */
  intervalMs: number;
  /** How long each system takes to show a change, learned as read-backs confirm: the first read-back after a change waits about that long. */
  delays?: ReadBackDelays;
}

/** Where a step's read-back stands; kept in the job's data so a delayed or re-run job resumes it. */
export interface VerifyState {
  /** When the step finished acting: what the pauses are measured against. */
  startedAt: number;
  checks: number;
  /** The pause before the next read-back. */
  pauseMs: number;
  /** The system whose delay the read-backs teach (its id): set when this execution changed something. */
  learns?: string;
  /** The first read-back waited for the time learned for the system. */
  waited?: boolean;
  /** How long it waited (the time learned when the step acted). */
  waitedMs?: number;
  /** When (after `startedAt`) the last read-back that did not confirm was made. */
  missedAfterMs?: number;
}

const MAX_PAUSE_MS = 10_000;

/**
 * Once the worker knows how long the system takes to show a change, the first read-back waits that
 * long, and one that still misses means the change is about due: each pause is then a tenth of the
 * time waited so far, so a change the system takes D to show is confirmed about a tenth of D (plus
 * one read-back) late at most; the pauses still grow, by a tenth each read-back, so a system that
 * became slow is not polled hard for long.
 */
const PAUSE_SHARE = 0.1;

/**
 * Before it knows (a worker just started, no change of the system confirmed yet), nothing says when
 * the change is due: each pause is half the time waited so far, so the read-backs search for the
 * delay geometrically (times 1.5 each), about log1.5(D / interval) + 2 of them, and confirm it at
 * most half of D late. A tenth here would poll at the interval for the whole of D (IAM's half
 * second: ten read-backs of 50 ms apart, against five).
 */
const PAUSE_SHARE_UNKNOWN = 0.5;

/** The pause after a read-back made `waitedMs` after the change: `share` of that, at least the interval, at most 10 s (or the interval, if longer). */
export function pauseAfter(waitedMs: number, policy: Pick<VerifyPolicy, 'intervalMs'>, share = PAUSE_SHARE): number {
  return Math.min(Math.max(policy.intervalMs, Math.round(waitedMs * share)), Math.max(MAX_PAUSE_MS, policy.intervalMs));
}

/**
 * The pause before the next read-back of a change not shown yet, `waitedMs` after it: short once
 * the system's delay is known, growing by half while it is not; and when it became known meanwhile
 * (another step's change confirmed) and this change is not due yet, until it is due.
 */
export function nextPause(state: Pick<VerifyState, 'learns' | 'waited'>, waitedMs: number, policy: VerifyPolicy): number {
  const known = state.learns === undefined ? undefined : policy.delays?.expected(state.learns);
  if (known === undefined) return pauseAfter(waitedMs, policy, PAUSE_SHARE_UNKNOWN);
  const pause = pauseAfter(waitedMs, policy);
  return !state.waited && known > waitedMs + pause ? Math.min(known - waitedMs, Math.max(MAX_PAUSE_MS, policy.intervalMs)) : pause;
}

/**
 * When to make the first read-back after a step acted: at once when it changed nothing (the
 * system already shows what the step leaves), or after the delay the system was seen to take to
 * show a change, if that is longer than the shortest pause.
 */
export function firstReadBackAfter(system: string, changed: boolean, policy: VerifyPolicy): number {
  const expected = changed ? (policy.delays?.expected(system) ?? 0) : 0;
  return expected > policy.intervalMs ? expected : 0;
}

/**
 * Inventory and revoke, resuming whatever an earlier execution of the step began. Each change is
 * written to the trail the moment the system confirms it. An item that an earlier execution set
 * out to change and never recorded, and that the system now shows changed (gone from the
 * re-inventory, answered "not found", or listed as the action leaves it), was changed by that
 * execution, whose answer was lost (or whose worker died): it is recorded under that execution's
 * transaction id, "answer lost; confirmed on retry", and never touched twice. An inventory that
 * could not look acts on nothing and says why (`unchecked`). An inventory that found nothing at all
 * says when what it saw was read (`nothingListed`): a read-back made now would list the same.
 */
export async function actOnStep(
  step: PhaseStep,
  ctx: StepContext & { stepId: string },
  earlier: StepProgress | undefined,
  audit: AuditTrail,
  /** Look afresh, as a read-back does: no shared listing begun before it asked (a look again after a read-back found what the last look had not). */
  fresh = false,
): Promise<{ unchecked?: string; changed: boolean; nothingListed?: ListingLook }> {
  const looked = await observingListings(() => (fresh ? readingFresh(() => step.inventory(ctx)) : step.inventory(ctx)));
  const { found, note, unchecked } = looked.value;
  await audit.append(ctx.requestId, { type: 'step.inventoried', stepId: ctx.stepId, found, note, ...(unchecked !== undefined ? { unchecked } : {}) });
  // Could not look: nothing is acted on, and no read-back could confirm anything (the caller records it not checked).
  if (unchecked !== undefined) return { unchecked, changed: false };

  const recorded = new Set((earlier?.changes ?? []).filter(settles).map(itemKey));
  const pending = pendingItems(earlier);
  const live = new Map(found.map((f) => [itemKey(f), f]));
  const lost = (transactionId: string, change: Change) =>
    audit.append(ctx.requestId, { type: 'step.acted', stepId: ctx.stepId, transactionId, changes: [{ ...change, detail: ANSWER_LOST }] });

  for (const gone of (earlier?.found ?? []).filter((f) => !recorded.has(itemKey(f)) && !live.has(itemKey(f)))) {
    const intent = pending.get(itemKey(gone));
    const made = intent && confirmMade(step, intent.item, undefined);
    if (made) {
      await lost(intent.transactionId, made);
      continue;
    }
    const owner = gone.owner ? { owner: gone.owner } : {};
    const detail = intent ? 'gone, not by this step' : 'gone before it was acted on';
    await audit.append(ctx.requestId, {
      type: 'step.acted',
      stepId: ctx.stepId,
      transactionId: intent?.transactionId ?? ctx.transactionId,
      changes: [{ id: gone.id, label: gone.label, outcome: 'already_absent', detail, ...owner }],
    });
  }

  // What is already recorded is never acted on again: a system may still list a removed item for a while.
  const todo: Finding[] = [];
  for (const f of found.filter((f) => !recorded.has(itemKey(f)))) {
    const intent = pending.get(itemKey(f));
    const made = intent && confirmMade(step, intent.item, f);
    if (made) await lost(intent.transactionId, made);
    else todo.push(f);
  }
  if (todo.length === 0) {
    if (found.length > 0) return { changed: false };
    const { listings } = looked;
    return { changed: false, nothingListed: { readAt: readAtOf(looked), current: () => listings.every((l) => l.current()) } };
  }
  await audit.append(ctx.requestId, { type: 'step.acting', stepId: ctx.stepId, transactionId: ctx.transactionId, itemIds: todo.map(itemKey) });
  for await (const change of step.act(ctx, todo)) {
    // "Not found" for an item an earlier execution set out on: that execution's call made the change.
    const intent = change.outcome === 'already_absent' ? pending.get(itemKey(change)) : undefined;
    const made = intent && confirmMade(step, intent.item, undefined);
    if (made) await lost(intent.transactionId, made);
    else await audit.append(ctx.requestId, { type: 'step.acted', stepId: ctx.stepId, transactionId: ctx.transactionId, changes: [change] });
  }
  return { changed: true };
}

/**
 * What a read-back still showed that no look of the step listed in this phase and no change of it
 * touched: something its inventory missed (a listing paged while the account changed can skip an
 * entry), or something made since it looked.
 */
export function unseenBy(earlier: StepProgress | undefined, remaining: Finding[]): Finding[] {
  const known = new Set([...(earlier?.found ?? []), ...(earlier?.changes ?? [])].map(itemKey));
  return remaining.filter((f) => !known.has(itemKey(f)));
}

/**
 * The listing a step's inventory found nothing in: when it was read (the earliest shared listing
 * that answered it, or the inventory's start), and whether every shared listing it read may still
 * answer a caller now (within their bounded age, and begun after the bot's last change of what
 * they list, in this process). While current, it is the step's read-back: a fresh one would list
 * the same, and a step that changed nothing has no change to wait for.
 */
export interface ListingLook {
  readAt: number;
  current(): boolean;
}

/**
 * When a step ends verified by its inventory's listing, without a read-back of its own: the time
 * that listing was read. Only when the step changed nothing and listed nothing, and that listing
 * could still answer anyone now; a restore's "inventory" is its snapshots, never the system, so it
 * is always read back. Undefined: the step reads back afresh.
 */
export function verifiedByListing(acted: { changed: boolean; nothingListed?: ListingLook }, phase: Phase): number | undefined {
  if (acted.changed || phase === 'reinstate' || !acted.nothingListed?.current()) return undefined;
  return acted.nothingListed.readAt;
}

/** `remaining`: what the read-back still showed of the person. */
export type ReadBackOutcome = { kind: 'verified' } | { kind: 'wait'; next: VerifyState; remaining: Finding[] };

/**
 * One read-back. Confirmed: recorded as verified. Not yet: the caller hands the next pause to
 * BullMQ as a delayed job, so waiting for a system never holds a worker slot. Past the bound: not confirmed.
 */
export async function readBackOnce(
  step: PhaseStep,
  ctx: StepContext & { stepId: string },
  state: VerifyState,
  policy: VerifyPolicy,
  audit: AuditTrail,
  /** Names the step's facts of this round: it is recorded verified once, however often this runs. */
  once: string,
  now: () => number = Date.now,
): Promise<ReadBackOutcome> {
  const checks = state.checks + 1;
  const askedAfter = now() - state.startedAt;
  // Never from a listing begun before it asked: one made before the change would always confirm.
  const readBack = await readingFresh(() => step.readBack(ctx, []));
  const waited = now() - state.startedAt;
  if (readBack.confirmed) {
    if (state.learns)
      policy.delays?.confirmed(state.learns, askedAfter, {
        waited: state.waited ?? false,
        ...(state.waitedMs !== undefined ? { waitedMs: state.waitedMs } : {}),
        ...(state.missedAfterMs !== undefined ? { missedAfterMs: state.missedAfterMs } : {}),
      });
    await audit.appendOnce(ctx.requestId, `${once}:ended`, {
      type: 'step.verified',
      stepId: ctx.stepId,
      checks,
      firstConfirmedAt: new Date(now()).toISOString(),
      elapsedMs: waited,
    });
    return { kind: 'verified' };
  }
  const pauseMs = nextPause(state, waited, policy);
  if (waited + pauseMs > policy.timeoutMs) {
    const still = readBack.remaining.map((f) => `${f.label} (${f.id})`).join(', ');
    throw new NotConfirmedError(`not confirmed: after ${checks} read-backs over ${Math.round(waited / 1000)} s the system still shows ${still}`);
  }
  return { kind: 'wait', next: { ...state, checks, pauseMs, missedAfterMs: askedAfter }, remaining: readBack.remaining };
}
