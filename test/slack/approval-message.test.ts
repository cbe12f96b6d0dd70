import { describe, expect, it } from 'vitest';
import { approvalMessage, type Preview } from '../../src/slack/blocks/approval-message.js';
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
      approvalMessage(
        {
          ...request,
          status: 'rejected',
          decision: { outcome: 'rejected', by: 'U0ALEX001', at: '2026-11-23T11:00:00.000Z', reason: 'wrong <!channel> person' },
        },
        shape,
      ).blocks,
    );
    expect(decided).not.toContain('offboard_approve');
    expect(decided).toContain('*Rejected* by <@U0ALEX001>');
    expect(decided).toContain('wrong &lt;!channel&gt; person');
  });

  it('says it is still checking until the read-only preview arrives', () => {
    expect(JSON.stringify(approvalMessage(request, shape).blocks)).toContain('Checking what they hold');
  });

  describe('for someone privileged', () => {
    const preview = (privileges: Preview['privileges']): Preview => ({ items: [], identities: [], privileges });
    const decide = (m: ReturnType<typeof approvalMessage>) =>
      (
        m.blocks.find((b) => (b as { block_id?: string }).block_id === `decide.${request.id}`) as {
          elements: { action_id: string; confirm?: { text: { text: string } } }[];
        }
      ).elements;

    it('the owner of a bot credential: no Approve button, and the message says why and what to do first', () => {
      const m = approvalMessage(
        request,
        shape,
        preview([{ kind: 'credential_owner', system: 'ibm-cloud', title: 'IBM Cloud', credential: 'IBMCLOUD_API_KEY' }, { kind: 'approver' }]),
      );
      expect(decide(m).map((e) => e.action_id)).toEqual(['offboard_reject']);
      const text = JSON.stringify(m.blocks);
      expect(text).toContain('Cannot be approved.');
      expect(text).toContain("Jane Doe owns the bot's IBM Cloud credential (`IBMCLOUD_API_KEY`)");
      expect(text).toContain('Move the credential to another owner first');
    });

    it('an approver and workspace owner: Approve asks to confirm, naming the risk, and the message says two approvers are needed', () => {
      const m = approvalMessage(request, shape, preview([{ kind: 'approver' }, { kind: 'workspace_owner' }]));
      const [approve] = decide(m);
      expect(approve!.action_id).toBe('offboard_approve');
      expect(approve!.confirm!.text.text).toBe(
        'Jane Doe is an approver of this bot and is a Slack workspace owner. Approving removes that access too, so two approvers must approve.',
      );
      expect(JSON.stringify(m.blocks)).toContain('It needs 2 approvers.');
    });

    it('shows each approval so far, once per approver, including a privilege first seen at a click', () => {
      const recorded = [
        { actor: 'U0ALEX001', at: '2026-11-23T11:00:00.000Z', privileges: [{ kind: 'compliance' as const }], needed: 2 },
        { actor: 'U0ALEX001', at: '2026-11-23T11:01:00.000Z', privileges: [{ kind: 'compliance' as const }], needed: 2 },
      ];
      const text = JSON.stringify(approvalMessage(request, shape, undefined, recorded).blocks);
      expect(text).toContain("is in the bot's compliance group");
      expect(text).toContain('1 of 2 approvals: <@U0ALEX001>');
    });

    it('an ordinary person: one approval, no confirmation', () => {
      const [approve] = decide(approvalMessage(request, shape, preview([])));
      expect(approve!.confirm).toBeUndefined();
    });
  });
});
