import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/audit-event.js';
import { eventDetail } from '../../src/evidence/pdf-timeline.js';

const at = '2026-11-23T10:05:00.000Z';
const detail = (e: object) => eventDetail({ ...e, seq: '1-0', at } as AuditRecord);
const DIGEST = 'a'.repeat(64);

describe('the evidence timeline, on what people did to a request before it ran', () => {
  it('names the rule and the digest of the terms each approval approved', () => {
    expect(detail({ type: 'approval.recorded', actor: 'U0ALEX001', privileges: [], needed: 2, digest: DIGEST, rule: 'Termination for cause' })).toBe(
      `One approval of the 2 needed (rule Termination for cause); terms SHA-256 ${DIGEST}`,
    );
    expect(
      detail({ type: 'request.approved', actor: 'U0RILEY01', approvedBy: ['U0ALEX001', 'U0RILEY01'], digest: DIGEST, rule: 'Termination for cause' }),
    ).toBe(`Approved by U0ALEX001 and U0RILEY01 under rule Termination for cause; terms SHA-256 ${DIGEST}`);
  });

  it('says in words when it was rejected by several, cancelled, rescheduled, reminded, escalated or expired', () => {
    expect(detail({ type: 'request.rejected', actor: 'U0ALEX001', reason: 'Wrong person', rejectedBy: ['U0ALEX001', 'U0RILEY01'] })).toBe(
      'Rejected by U0ALEX001 and U0RILEY01: Wrong person',
    );
    expect(detail({ type: 'request.cancelled', actor: 'U0MORGAN1', reason: 'Notice withdrawn', state: 'partly_approved' })).toBe(
      'Cancelled while partly approved: Notice withdrawn',
    );
    expect(detail({ type: 'request.rescheduled', actor: 'U0MORGAN1', from: null, to: '2026-12-01T09:00:00.000Z' })).toBe(
      'Access to end at 2026-12-01T09:00:00.000Z instead of at approval; approvals asked again',
    );
    expect(detail({ type: 'request.reminded', reminder: 2 })).toBe('Approvers reminded (reminder 2)');
    expect(detail({ type: 'request.escalated', to: 'S0SECURE' })).toBe('Escalated to S0SECURE');
    expect(detail({ type: 'request.expired', afterMs: 604_800_000 })).toBe('Expired: no decision within 7 d');
  });

  it('names a refused power by what was refused: a decision by its action, a feature used outside any request in words', () => {
    const reason = 'An offboarding request about you is open, so you cannot act on offboarding requests or their evidence until it is closed.';
    expect(detail({ type: 'approval.refused', actor: 'U0RILEY01', action: 'approve', reason })).toBe(`Refused to approve: ${reason}`);
    expect(detail({ type: 'approval.refused', actor: 'U0RILEY01', action: 'feature', what: 'run the inactive-identities sweep', reason, repeats: 10 })).toBe(
      `Refused to run the inactive-identities sweep: ${reason} (10 times)`,
    );
  });

  it('says a step told to wait paused, why, and that no retry was spent', () => {
    expect(
      detail({
        type: 'step.deferred',
        stepId: 'ibm-cloud.a1.api-keys',
        attempt: 1,
        reason: 'the IBM Cloud request budget of a1 is used up for now',
        resumeInMs: 2_400,
      }),
    ).toBe('Attempt 1 paused before its next call, no retry spent: the IBM Cloud request budget of a1 is used up for now; told to wait about 2.4 s');
  });

  it("says a bulk request's summary was given, how, and which", () => {
    expect(
      detail({ type: 'batch.summary_sent', batchId: 'BULK-1A2B3C4D', actor: 'U0TAYLOR1', via: 'compliance', requests: 2, sha256: DIGEST, files: [] }),
    ).toBe(`Summary of bulk request BULK-1A2B3C4D (2 requests) given (compliance) by direct message, JSON SHA-256 ${DIGEST}`);
  });
});
