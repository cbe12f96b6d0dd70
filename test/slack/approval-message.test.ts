import { describe, expect, it } from 'vitest';
import { approvalMessage } from '../../src/slack/blocks/approval-message.js';
import { sampleRequest } from '../support/sample-request.js';

const request = sampleRequest({
  notes: 'Her deploy key is xoxb-1234-5678-abcdefghijkl and apikey=Zx9kQ2mP7rT4vW8yB3nC6fH1jL5sD0gA2eK7uI9oP4qR',
});
const shape = [{ title: 'IBM Cloud', scopeNoun: 'account', scopes: ['a1b2c3d4e5f60718293a4b5c6d7e8f90'], touches: ['API keys', 'Account membership'] }];

describe('the approval message', () => {
  it('never shows a token or API key pasted into the notes', () => {
    const text = JSON.stringify(approvalMessage(request, shape).blocks);
    expect(text).not.toContain('xoxb-1234');
    expect(text).not.toContain('Zx9kQ2mP7rT4vW8yB3nC6fH1jL5sD0gA2eK7uI9oP4qR');
    expect(text).toContain('Her deploy key is');
  });

  it('offers Approve and Reject while pending, and says who decided once decided', () => {
    const pending = JSON.stringify(approvalMessage(request, shape).blocks);
    expect(pending).toContain('offboard_approve');
    const decided = JSON.stringify(
      approvalMessage({ ...request, status: 'rejected', decision: { outcome: 'rejected', by: 'U0ALEX001', at: '2026-11-23T11:00:00.000Z', reason: 'wrong <!channel> person' } }, shape).blocks,
    );
    expect(decided).not.toContain('offboard_approve');
    expect(decided).toContain('*Rejected* by <@U0ALEX001>');
    expect(decided).toContain('wrong &lt;!channel&gt; person');
  });

  it('says it is still checking until the read-only preview arrives', () => {
    expect(JSON.stringify(approvalMessage(request, shape).blocks)).toContain('Checking what they hold');
  });
});
