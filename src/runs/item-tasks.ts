import { createHash } from 'node:crypto';
import type { AuditEvent, Attesters } from '../audit/audit-event.js';
import { rotationKey, type ItemTask, type StepProgress } from './run-view.js';

/** Who may attest the items of a step whose items are tasks: approvers only (no attester is named beside them). */
export const APPROVERS_ONLY: Attesters = { kind: 'users', ids: [] };

/** Twelve hex characters naming one item's task in a button's value (an item id may hold any character). */
export const itemTaskCode = (stepId: string, itemId: string) => createHash('sha256').update(rotationKey(stepId, itemId)).digest('hex').slice(0, 12);

/** The items of the step still waiting for their attestation. */
export const openItems = (s: Pick<StepProgress, 'items'>): ItemTask[] => (s.items ?? []).filter((i) => !i.attestation);

/**
 * The step's end once every one of its items is attested, or undefined while one is open: attested
 * by whoever closed the last item, `done` when any item was done, the note saying that each item was
 * attested on its own (the evidence lists each with who, when and how).
 */
export function itemsEnd(stepId: string, items: readonly ItemTask[]): Extract<AuditEvent, { type: 'step.attested' }> | undefined {
  if (items.length === 0 || items.some((i) => !i.attestation)) return undefined;
  const attestations = items.map((i) => i.attestation!);
  const last = attestations.reduce((a, b) => (Date.parse(b.at) >= Date.parse(a.at) ? b : a));
  const done = attestations.filter((a) => a.outcome === 'done').length;
  return {
    type: 'step.attested',
    stepId,
    actor: last.by,
    outcome: done ? 'done' : 'not_applicable',
    note: `each of its ${items.length} item(s) attested on its own: ${done} done, ${items.length - done} not applicable`,
  };
}
