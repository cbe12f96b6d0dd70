import { describe, expect, it } from 'vitest';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, JANE_EMAIL } from '../../src/simulators/ibm-cloud/index.js';
import { useStack } from '../support/stack.js';

const start = useStack();

describe('an offboarding scheduled for a later time', () => {
  it('touches nothing in IBM Cloud before the time, shows the steps as scheduled, and revokes once it comes', async () => {
    const { stack, player } = await start();
    const effectiveAt = Math.ceil(Date.now() / 1000) + 3;
    const id = await player.request(PEOPLE.morgan, {
      person: PEOPLE.jane,
      reason: 'termination',
      timing: 'scheduled',
      effectiveAt,
      successor: PEOPLE.taylor,
      ticket: 'HR-99',
    });
    await player.click(PEOPLE.alex, 'approve', id);

    const checklist = await stack.slack.waitFor(() => player.checklist(id));
    expect(JSON.stringify(checklist.blocks)).toContain('scheduled for');
    await new Promise((r) => setTimeout(r, 1000));
    expect(stack.ibm.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeDefined();

    await player.evidence(id, 20_000);
    const firstDelete = stack.ibm.requests.find((r) => r.method === 'DELETE');
    expect(Date.parse(firstDelete!.at)).toBeGreaterThanOrEqual(effectiveAt * 1000);
    expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeUndefined();
  });
});
