import { describe, expect, it } from 'vitest';
import { type ApprovalProgress, approvalMessage, type Preview } from '../../src/slack/blocks/approval-message.js';
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

    const progress = (over: Partial<ApprovalProgress> = {}): ApprovalProgress => ({
      rule: 'Privileged person',
      needed: 2,
      typedConfirmation: false,
      privileges: [{ kind: 'approver' }, { kind: 'workspace_owner' }],
      counted: [],
      outdated: [],
      others: ['U0ALEX001', 'U0RILEY01'],
      rejectionsNeeded: 1,
      rejectedBy: [],
      ...over,
    });

    it('an approver and workspace owner: Approve asks to confirm, naming the risk, and the message says two approvers are needed and who may approve', () => {
      const m = approvalMessage(request, shape, preview([{ kind: 'approver' }, { kind: 'workspace_owner' }]), progress());
      const [approve] = decide(m);
      expect(approve!.action_id).toBe('offboard_approve');
      expect(approve!.confirm!.text.text).toBe(
        'Jane Doe is an approver of this bot and is a Slack workspace owner. Approving removes that access too, so two approvers must approve.',
      );
      expect(JSON.stringify(m.blocks)).toContain('0 of 2 approvals. Also may approve: <@U0ALEX001>, <@U0RILEY01>.');
    });

    it('shows the approvals of what is asked now, who approved it before it changed, and a privilege first seen at a click', () => {
      const m = approvalMessage(
        request,
        shape,
        undefined,
        progress({
          privileges: [{ kind: 'compliance' }],
          counted: [{ actor: 'U0ALEX001', at: '2026-11-23T11:00:00.000Z' }],
          outdated: ['U0MORGAN1'],
          others: ['U0RILEY01', 'U0MORGAN1'],
        }),
      );
      const text = JSON.stringify(m.blocks);
      expect(text).toContain("is in the bot's compliance group");
      expect(text).toContain('1 of 2 approvals: <@U0ALEX001>. Also may approve: <@U0RILEY01>, <@U0MORGAN1>.');
      expect(text).toContain('<@U0MORGAN1> approved it before it changed');
    });

    it('a rule that asks for the email or name typed: no confirmation dialog (the form asks instead), and the message says so', () => {
      const m = approvalMessage(request, shape, preview([{ kind: 'approver' }]), progress({ typedConfirmation: true, privileges: [{ kind: 'approver' }] }));
      expect(decide(m)[0]!.confirm).toBeUndefined();
      expect(JSON.stringify(m.blocks)).toContain("Approving asks for the person's email or name to be typed.");
    });

    it('a long list of who may approve is cut, saying how many more', () => {
      const others = Array.from({ length: 25 }, (_, i) => `U0PEOPLE${String(i).padStart(2, '0')}`);
      const text = JSON.stringify(approvalMessage(request, shape, preview([]), progress({ needed: 1, privileges: [], others })).blocks);
      expect(text).toContain('<@U0PEOPLE09> and 15 more');
      expect(text).not.toContain('U0PEOPLE10');
    });

    it('an ordinary person: one approval, no confirmation', () => {
      const [approve] = decide(approvalMessage(request, shape, preview([])));
      expect(approve!.confirm).toBeUndefined();
    });
  });
});
