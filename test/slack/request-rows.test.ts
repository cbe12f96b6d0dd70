import { describe, expect, it } from 'vitest';
import { requestRow } from '../../src/slack/blocks/request-rows.js';
import { sampleRequest } from '../support/sample-request.js';

describe('a request on one line', () => {
  it('an approved request waits for its time until its run starts, then runs', () => {
    const at = '2026-12-01T09:00:00.000Z';
    expect(requestRow(sampleRequest({ status: 'approved', effectiveAt: at }))).toContain(':calendar: approved, starts <!date^');
    expect(requestRow(sampleRequest({ status: 'approved', effectiveAt: at, runStartedAt: at }))).toContain(':gear: running');
    expect(requestRow(sampleRequest({ status: 'approved' }))).toContain(':gear: approved, starting');
  });

  it('says a request was cancelled, or expired without a decision', () => {
    expect(requestRow(sampleRequest({ status: 'cancelled' }))).toContain(':no_entry_sign: cancelled');
    expect(requestRow(sampleRequest({ status: 'expired' }))).toContain(':hourglass: expired without a decision');
  });
});
