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
});
