import { describe, expect, it } from 'vitest';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, readTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const blocksText = (blocks: unknown) => JSON.stringify(blocks);

describe('what approvers see before they decide', () => {
  it('the approval message shows what the person holds in each account, read without changing anything', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-1' });

    const text = blocksText(player.approvalMessage(id)?.blocks);
    expect(text).toContain('They hold now');
    // Both of Jane's identities: her SL record is a member of Production only, yet holds a key and a profile link in Staging.
    expect(text).toContain(
      `\`${ACME_PRODUCTION}\`: API keys: 3 · Access groups: 4 · Rule-based access groups: 0 · Direct access policies: 2 · Trusted profile links: 1 · ` +
        'Keys of service IDs they created: 1 · Service IDs they created: 1 · Service credentials and instances they created: 1 service credential, 1 service instance · ' +
        "Keys on others' service IDs and profiles they created: 1 API key on someone else's service ID · Account membership: 2",
    );
    expect(text).toContain(
      `\`${ACME_STAGING}\`: API keys: 2 · Access groups: 1 · Rule-based access groups: 0 · Direct access policies: 1 · Trusted profile links: 2 · ` +
        'Keys of service IDs they created: 0 · Service IDs they created: 0 · ' +
        // The Resource Controller answers only for the account the bot's key belongs to: not checked, never "0".
        `Service credentials and instances they created: not checked (the Resource Controller answers only for account ${ACME_PRODUCTION}, the one IBMCLOUD_API_KEY belongs to) · ` +
        "Keys on others' service IDs and profiles they created: 1 trusted profile · Account membership: 1",
    );
    expect(stack.ibm.requests.filter((r) => r.method !== 'GET' && !r.path.startsWith('/identity/token'))).toEqual([]);
    // Her keys and the keys of the service IDs she created come from one listing of every key of each account.
    for (const account of [ACME_PRODUCTION, ACME_STAGING])
      expect(stack.ibm.requests.filter((r) => r.path === '/v1/apikeys' && r.query.account_id === account).map((r) => r.query.type ?? 'every kind')).toEqual([
        'every kind',
      ]);
    // Who she was found to be: both of her user records, with realm and state, so approvers can tell it is the right person.
    expect(text).toContain('Found as:');
    expect(text).toContain('`IBMid-6620000ABC` (realm IBMid, login jane.doe@acme.example, state ACTIVE)');
    expect(text).toContain('`IBMid-6620000J5L` (realm SL, login 2718281_Jane.Doe@acme.example, state ACTIVE)');
  });

  it("asks IAM whose the bot's API key is, and flags nothing for someone who owns no bot credential and has no power over the bot or the workspace", async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-1' });
    const previewed = eventsOf(await readTrail(stack, id), 'request.previewed')[0]!;
    expect(previewed.privileges).toEqual([]);
    // Asked also for the account the Resource Controller answers for (what the person created is listed there).
    expect(new Set(stack.ibm.requests.filter((r) => r.path === '/v1/apikeys/details').map((r) => r.status))).toEqual(new Set([200]));
    const text = blocksText(player.approvalMessage(id)?.blocks);
    expect(text).not.toContain('Privileged');
    expect(text).not.toContain('Cannot be approved');
  });

  it("asks whose the bot's API key is once per process: a second preview matches against the same answer", async () => {
    const { stack, player } = await start();
    const details = () => stack.ibm.requests.filter((r) => r.path === '/v1/apikeys/details');
    await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-1' });
    expect(details()).toHaveLength(1);
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.alex, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-2' });
    // Still flagged: the owner IAM named for the key is matched against Alex's identities.
    expect(eventsOf(await readTrail(stack, id), 'request.previewed')[0]!.privileges).toContainEqual(
      expect.objectContaining({ kind: 'credential_owner', credential: 'IBMCLOUD_API_KEY' }),
    );
    expect(details()).toHaveLength(1);
  });

  it('warns before approval when the email matches nobody in any account', async () => {
    const { player } = await start();
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.pat, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-2' });
    expect(blocksText(player.approvalMessage(id)?.blocks)).toContain('pat@acme.example matches no identity in any account');
  });

  it('a system that cannot be checked says why, and approval still works', async () => {
    const { stack, player } = await start();
    stack.ibm.inject({ method: 'GET', path: '/v2/policies', status: 403 });
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-3' });
    expect(blocksText(player.approvalMessage(id)?.blocks)).toContain('Direct access policies: could not check (list policies: permission denied (403)');
    stack.ibm.clearFaults();
    await player.click(PEOPLE.alex, 'approve', id);
    await player.evidence(id);
    expect(blocksText(player.approvalMessage(id)?.blocks)).toContain('*Approved*');
  });
});
