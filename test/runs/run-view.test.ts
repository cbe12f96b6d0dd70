import { describe, expect, it } from 'vitest';
import type { AuditEvent, AuditRecord } from '../../src/audit/audit-event.js';
import { runView } from '../../src/runs/run-view.js';

const REF = { system: 'ibm-cloud', scope: 'acct', step: 'api-keys', title: 'API keys' };
const ID = 'ibm-cloud.acct.api-keys';
const records = (events: AuditEvent[]): AuditRecord[] =>
  events.map((e, i) => ({ ...e, seq: `${i + 1}-0`, at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }));
const planned = (round: number): AuditEvent => ({ type: 'run.planned', round, steps: [REF], startsAt: '2026-01-01T00:00:00.000Z', phase: 'delete' });
const verified = (checks: number): AuditEvent => ({ type: 'step.verified', stepId: ID, checks, firstConfirmedAt: '2026-01-01T00:00:05.000Z', elapsedMs: 10 });
const key = (outcome: 'removed' | 'already_absent' | 'still_present' | 'outcome_unknown', transactionId: string): AuditEvent => ({
  type: 'step.acted',
  stepId: ID,
  transactionId,
  changes: [{ id: 'k1', label: 'ci', outcome }],
});

describe('folding a step from the trail', () => {
  it('a step ends once per round: what a job that ran again writes after it ended does not change how it ended', () => {
    const [step] = runView(
      records([
        planned(1),
        { type: 'step.started', stepId: ID, attempt: 1 },
        verified(1),
        { type: 'step.started', stepId: ID, attempt: 2 },
        { type: 'step.retrying', stepId: ID, attempt: 2, error: 'Redis went away', retryInMs: 1000 },
        verified(3),
      ]),
    ).steps;
    expect(step).toMatchObject({ state: 'verified', verification: { checks: 1 } });
    expect(step!.error).toBeUndefined();
  });

  it('a new round of the step opens it again', () => {
    const [step] = runView(
      records([planned(1), { type: 'step.failed', stepId: ID, attempt: 1, error: 'refused' }, planned(2), { type: 'step.started', stepId: ID, attempt: 1 }]),
    ).steps;
    expect(step!.state).toBe('running');
  });

  it("an item accounted for as still present or outcome unknown is settled by what a later round records, under that round's transaction id", () => {
    const fold = (...events: AuditEvent[]) => runView(records([planned(1), ...events])).steps[0]!.changes;
    expect(fold(key('still_present', 'a1'), key('removed', 'r2-a1'))).toEqual([expect.objectContaining({ outcome: 'removed', transactionId: 'r2-a1' })]);
    expect(fold(key('outcome_unknown', 'a1'), key('already_absent', 'r2-a1'))).toEqual([
      expect.objectContaining({ outcome: 'already_absent', transactionId: 'r2-a1' }),
    ]);
    // A removal recorded stays the removal, with the transaction id that made it.
    expect(fold(key('removed', 'a1'), key('still_present', 'a2'))).toEqual([expect.objectContaining({ outcome: 'removed', transactionId: 'a1' })]);
  });
});
