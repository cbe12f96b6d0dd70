import { describe, expect, it } from 'vitest';
import { runView } from '../../src/runs/run-view.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING, SIM_GROUP_IDS, SIM_IAM_IDS, seedWithSsoMembership } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, finishedTrail, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const janeLeaves = { person: PEOPLE.jane, reason: 'termination' as const, successor: PEOPLE.taylor, ticket: 'HR-NFC' };

describe('no false closure in IBM Cloud', () => {
  it('offboards both of Jane’s user records, in two realms and two letter cases, and leaves the look-alike email alone', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id);
    const found = eventsOf(trail, 'identities.found').find((e) => e.system === 'ibm-cloud')!;
    expect([...new Set(found.identities.map((i) => i.id))].sort()).toEqual([SIM_IAM_IDS.jane, SIM_IAM_IDS.janeSl].sort());
    expect(found.identities.find((i) => i.id === SIM_IAM_IDS.janeSl)?.detail).toMatch(/realm SL/);
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    for (const account of [ACME_PRODUCTION, ACME_STAGING]) {
      for (const iamId of [SIM_IAM_IDS.jane, SIM_IAM_IDS.janeSl]) {
        expect(stack.ibm.apiKeysOf(account, iamId), `${account} ${iamId}`).toEqual([]);
        expect(stack.ibm.groupsOf(account, iamId)).toEqual([]);
        expect(stack.ibm.profilesLinkedTo(account, iamId)).toEqual([]);
      }
    }
    expect(stack.ibm.usersInAccount(ACME_PRODUCTION, 'xjane.doe@acme.example.org')).toHaveLength(1);
    expect(stack.ibm.requests.filter((r) => r.method !== 'GET' && r.path.includes(SIM_IAM_IDS.lookalike))).toEqual([]);
  });

  it('removes a key and a profile link of hers in an account where she is not a member', async () => {
    const { stack, player } = await start();
    // The SL identity is a member of Production only; it holds a key and a link in Staging.
    expect(stack.ibm.usersInAccount(ACME_STAGING, 'jane.doe@acme.example').map((u) => u.iam_id)).not.toContain(SIM_IAM_IDS.janeSl);
    expect(stack.ibm.apiKeysOf(ACME_STAGING, SIM_IAM_IDS.janeSl)).toHaveLength(1);
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id);
    expect(stack.ibm.apiKeysOf(ACME_STAGING, SIM_IAM_IDS.janeSl)).toEqual([]);
    expect(stack.ibm.profilesLinkedTo(ACME_STAGING, SIM_IAM_IDS.janeSl)).toEqual([]);
    const keys = runView(trail).steps.find((s) => s.id === `ibm-cloud.${ACME_STAGING}.api-keys`)!;
    expect(keys.changes?.filter((c) => c.owner === SIM_IAM_IDS.janeSl).map((c) => c.outcome)).toEqual(['removed']);
  });

  it('reports a rule-based group membership as residual access, amber, never verified, with the group and its rule', async () => {
    const { stack, player } = await start({ ibm: { seed: seedWithSsoMembership() } });
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id);
    const [finished] = eventsOf(trail, 'run.finished');
    expect(finished).toMatchObject({ outcome: 'residual', failedSteps: [], residualSteps: [`ibm-cloud.${ACME_PRODUCTION}.dynamic-access-groups`] });
    const [residual] = eventsOf(trail, 'step.residual');
    expect(residual!.items).toEqual([
      expect.objectContaining({ id: SIM_GROUP_IDS.ssoUsers, label: 'SSO Users', detail: expect.stringContaining('rule "Acme employees"') }),
    ]);
    const checklist = await stack.slack.waitFor(() => {
      const c = player.checklist(id);
      return c && JSON.stringify(c.blocks).includes('residual access remains') ? c : undefined;
    });
    const text = JSON.stringify(checklist.blocks);
    expect(text).toContain(':large_orange_circle: Rule-based access groups: *residual access, not removed*: SSO Users');
    expect(text).not.toContain('every step verified.');
  });

  it('follows every page of every list: with one item per page, everything is still found and removed', async () => {
    const { stack, player } = await start({ ibm: { pageSize: 1 } });
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id, { timeoutMs: 30_000 });
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    for (const account of [ACME_PRODUCTION, ACME_STAGING]) {
      for (const iamId of [SIM_IAM_IDS.jane, SIM_IAM_IDS.janeSl]) {
        expect(stack.ibm.apiKeysOf(account, iamId)).toEqual([]);
        expect(stack.ibm.groupsOf(account, iamId)).toEqual([]);
        expect(stack.ibm.policiesOf(account, iamId)).toEqual([]);
        expect(stack.ibm.profilesLinkedTo(account, iamId)).toEqual([]);
      }
    }
    expect(stack.ibm.usersInAccount(ACME_PRODUCTION, 'jane.doe@acme.example')).toEqual([]);
  });
});
