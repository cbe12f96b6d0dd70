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
    expect(notInState('OFF-ABC123', 'scheduled', 'rescheduled')).toBe(
      'OFF-ABC123 cannot be rescheduled: it is approved and scheduled; cancel it and submit a new request with the new time.',
    );
    expect(notInState('OFF-ABC123', 'expired', 'cancelled')).toBe('OFF-ABC123 cannot be cancelled: it is expired.');
  });
});
