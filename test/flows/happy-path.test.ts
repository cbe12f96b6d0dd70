import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING, JANE_EMAIL, SIM_IAM_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { useStack } from '../support/stack.js';

const start = useStack();

describe('a complete offboarding', () => {
  it('goes from /offboard to a verified removal in every account and a PDF naming the approver and every step', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, {
      person: PEOPLE.jane,
      reason: 'resignation',
      successor: PEOPLE.taylor,
      ticket: 'HR-1042',
      notes: 'Last day Friday',
    });

    const approve = await player.click(PEOPLE.alex, 'approve', id);
    expect(approve.status).toBe(200);

    const pdf = await player.evidence(id);
    const text = (await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true })).text;
    expect(text).toContain(id);
    expect(text).toContain('Alex Admin');
    expect(text).toMatch(/Status\s+completed/);
    for (const title of ['API keys', 'Access groups', 'Direct access policies', 'Trusted profile links', 'Account membership']) expect(text).toContain(title);

    for (const account of [ACME_PRODUCTION, ACME_STAGING]) {
      expect(stack.ibm.userInAccount(account, JANE_EMAIL)).toBeUndefined();
      expect(stack.ibm.apiKeysOf(account, SIM_IAM_IDS.jane)).toEqual([]);
      expect(stack.ibm.profilesLinkedTo(account, SIM_IAM_IDS.jane)).toEqual([]);
    }
    // Only Jane lost anything: Alex is still linked to the production profile she shared.
    expect(stack.ibm.profilesLinkedTo(ACME_PRODUCTION, SIM_IAM_IDS.alex)).toHaveLength(1);
    // Every step verified but one: the Resource Controller answers only for the account the bot's key belongs to.
    const checklist = await stack.slack.waitFor(() => {
      const text = JSON.stringify(player.checklist(id)?.blocks ?? []);
      return text.includes('Finished') ? text : undefined;
    });
    expect(checklist).toContain('verified, except 1 step(s) *not checked*');
    expect(checklist).not.toContain('every step verified');
  });
});
