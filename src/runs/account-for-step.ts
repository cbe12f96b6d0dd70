import type { AuditTrail } from '../audit/audit-trail.js';
import type { StepProgress } from './run-view.js';
import { itemKey, settles, type Change, type Finding, type StepAction } from '../connectors/connector.js';

/** The detail of a change made under an earlier transaction id whose answer never reached us. */
export const ANSWER_LOST = 'answer lost; confirmed on retry';
export const ANSWER_LOST_AT_FAILURE = 'answer lost; confirmed when the step failed';

/** The name under which a step's facts of one round (how it ended, what it accounted for) are stated once. */
export const stepFactKey = (round: number, stepId: string): string => `r${round}:${stepId}`;

/** An item an earlier execution set out to change and nothing settled since, with the last transaction id that set out on it. */
export interface PendingItem {
  item: Finding;
  transactionId: string;
}

/**
 * What the step's executions set out to change and never recorded as settled, keyed by item. The
 * item is as first found (its snapshot comes from that); the transaction id is the latest one that
 * set out on it before now, the execution whose call may have been lost.
 */
export function pendingItems(progress: StepProgress | undefined): Map<string, PendingItem> {
  const recorded = new Map((progress?.changes ?? []).map((c) => [itemKey(c), c]));
  const found = new Map((progress?.found ?? []).map((f) => [itemKey(f), f]));
  const pending = new Map<string, PendingItem>();
  for (const intent of progress?.intents ?? []) {
    for (const key of intent.itemIds) pending.set(key, { item: found.get(key) ?? itemOf(key), transactionId: intent.transactionId });
  }
  for (const [key, { transactionId }] of pending) {
    const change = recorded.get(key);
    // Settled, or seen still present after the last execution that set out on it: nothing of ours is in flight.
    if (change && (settles(change) || (change.outcome === 'still_present' && change.transactionId === transactionId))) pending.delete(key);
  }
  return pending;
}

/** The change `action` made to `item` if the system now shows it as `now`; removal unless the action says otherwise. */
export function confirmMade(action: Pick<StepAction, 'confirm'>, item: Finding, now: Finding | undefined): Change | undefined {
  if (action.confirm) return action.confirm(item, now);
  return now ? undefined : { id: item.id, label: item.label, outcome: 'removed', ...(item.owner ? { owner: item.owner } : {}) };
}

/**
 * A step that failed for good accounts for everything its executions set out to change and never
 * recorded: each item as a fresh inventory shows it (changed by us, its answer lost, or still
 * present), or, when there is no inventory to ask or it fails, outcome unknown; each under the
 * transaction id that set out on it. Nothing is left out of the evidence.
 */
export async function accountForStep(
  requestId: string,
  stepId: string,
  progress: StepProgress | undefined,
  audit: AuditTrail,
  onceKey: string,
  look?: { inventory: () => Promise<Finding[]>; action: Pick<StepAction, 'confirm'> },
  unasked = 'the step failed before the system could be asked',
): Promise<void> {
  const pending = pendingItems(progress);
  if (pending.size === 0) return;
  let listed: Map<string, Finding> | undefined;
  let why = unasked;
  if (look) {
    try {
      listed = new Map((await look.inventory()).map((f) => [itemKey(f), f]));
    } catch (err) {
      why = `the system could not be asked when the step failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  const byTransaction = new Map<string, Change[]>();
  for (const [key, { item, transactionId }] of pending) {
    const owner = item.owner ? { owner: item.owner } : {};
    const now = listed?.get(key);
    const made = listed && look ? confirmMade(look.action, item, now) : undefined;
    const change: Change = made
      ? { ...made, detail: ANSWER_LOST_AT_FAILURE }
      : listed
        ? now
          ? { id: item.id, label: item.label, outcome: 'still_present', detail: 'still listed when the step failed', ...owner }
          : { id: item.id, label: item.label, outcome: 'already_absent', detail: 'gone when the step failed, not by this step', ...owner }
        : { id: item.id, label: item.label, outcome: 'outcome_unknown', detail: why, ...owner };
    byTransaction.set(transactionId, [...(byTransaction.get(transactionId) ?? []), change]);
  }
  for (const [transactionId, changes] of byTransaction) {
    await audit.appendOnce(requestId, `${onceKey}:accounted:${transactionId}`, { type: 'step.acted', stepId, transactionId, changes });
  }
}

/** An intent names items by key alone when the inventory that found them is not in the trail. */
function itemOf(key: string): Finding {
  const at = key.lastIndexOf('/');
  if (at < 0) return { id: key, label: key };
  return { id: key.slice(0, at), label: key.slice(0, at), owner: key.slice(at + 1) };
}
