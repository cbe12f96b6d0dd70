import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/audit-event.js';
import { approvedTerms, termsDigest } from '../../src/requests/approval-terms.js';
import { notInState, requestState } from '../../src/requests/request-state.js';
import { runView } from '../../src/runs/run-view.js';
import { sampleRequest } from '../support/sample-request.js';

const at = '2026-11-23T10:05:00.000Z';
const record = (e: object, seq = '1-0') => ({ ...e, seq, at }) as AuditRecord;

describe('the state a request is shown in', () => {
  it('pending until an approval of its current terms, then partly approved; an approval of earlier terms does not count', () => {
    const r = sampleRequest();
    expect(requestState(r, runView([]))).toBe('pending');
    const digest = termsDigest(approvedTerms(r, undefined));
    expect(requestState(r, runView([record({ type: 'approval.recorded', actor: 'U0ALEX001', privileges: [], needed: 2, digest })]))).toBe('partly_approved');
    const moved = { ...r, effectiveAt: '2026-12-01T09:00:00.000Z' };
    expect(requestState(moved, runView([record({ type: 'approval.recorded', actor: 'U0ALEX001', privileges: [], needed: 2, digest })]))).toBe('pending');
  });

  it('binds an approval to what happens to what the person created; a request that does not say keeps the digest it had', () => {
    const disable = sampleRequest({ createdItems: 'disable' });
    const digest = termsDigest(approvedTerms(disable, undefined));
    const approval = record({ type: 'approval.recorded', actor: 'U0ALEX001', privileges: [], needed: 2, digest });
    expect(requestState(disable, runView([approval]))).toBe('partly_approved');
    expect(requestState({ ...disable, createdItems: 'hand_over' }, runView([approval]))).toBe('pending');
    // Requests filed before the choice existed: their terms, and so their approvals, are unchanged.
    const { createdItems: _none, ...older } = disable;
    expect(termsDigest(approvedTerms(older, undefined))).toBe(
      termsDigest({
        subject: older.subject,
        reason: older.reason,
        effectiveAt: null,
        disposition: older.disposition,
        successor: older.successorSlackUserId,
        preview: 'none',
      }),
    );
  });

  it('approved is scheduled until its run starts, then running; completed with failures when its last round failed', () => {
    expect(requestState(sampleRequest({ status: 'approved' }), runView([]))).toBe('scheduled');
    expect(requestState(sampleRequest({ status: 'approved', runStartedAt: at }), runView([]))).toBe('running');
    const failed = record({ type: 'run.finished', round: 1, outcome: 'failures', failedSteps: ['ibm-cloud.a.api-keys'] });
    expect(requestState(sampleRequest({ status: 'completed' }), runView([failed]))).toBe('completed_with_failures');
    expect(requestState(sampleRequest({ status: 'completed' }), runView([]))).toBe('completed');
    expect(requestState(sampleRequest({ status: 'cancelled' }), runView([]))).toBe('cancelled');
  });

  it('says why an action is refused in each kind of state', () => {
    expect(notInState('OFF-ABC123', 'running', 'cancelled')).toBe('OFF-ABC123 cannot be cancelled: it is running, and its run has started.');
    expect(notInState('OFF-ABC123', 'completed', 'rescheduled')).toBe('OFF-ABC123 cannot be rescheduled: it is completed, and its run has started.');
    expect(notInState('OFF-ABC123', 'expired', 'cancelled')).toBe('OFF-ABC123 cannot be cancelled: it is expired.');
  });

  it('an approved request rescheduled before its run started no longer has its approval nor its planned run; the next approval plans it anew', () => {
    const approved = record({ type: 'request.approved', actor: 'U0ALEX001' }, '2-0');
    const planned = (startsAt: string, seq: string) => record({ type: 'run.planned', round: 1, phase: 'disable', steps: [], startsAt, notCovered: [] }, seq);
    const rescheduled = record(
      { type: 'request.rescheduled', actor: 'U0MORGAN1', from: '2026-12-01T09:00:00.000Z', to: '2026-12-08T09:00:00.000Z', state: 'scheduled' },
      '4-0',
    );
    const voided = runView([approved, planned('2026-12-01T09:00:00.000Z', '3-0'), rescheduled]);
    expect(voided).toMatchObject({ rounds: [], approved: undefined, outcome: { kind: 'pending' }, current: { round: 0 } });
    expect(voided.reasks).toHaveLength(1);

    const again = runView([
      approved,
      planned('2026-12-01T09:00:00.000Z', '3-0'),
      rescheduled,
      record({ type: 'request.approved', actor: 'U0RILEY01' }, '5-0'),
      planned('2026-12-08T09:00:00.000Z', '6-0'),
    ]);
    expect(again.rounds.map((r) => [r.round, r.startsAt, r.by])).toEqual([[1, '2026-12-08T09:00:00.000Z', 'U0RILEY01']]);
    expect(again.outcome).toEqual({ kind: 'running', round: 1 });

    // A pending request rescheduled keeps what it had (nothing was approved).
    const pending = runView([{ ...rescheduled, state: 'pending' } as AuditRecord]);
    expect(pending.reasks).toEqual([]);
  });
});
