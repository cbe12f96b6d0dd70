import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import type { EvidencePack } from '../../src/evidence/evidence-pack.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING, SIM_IAM_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { eventsOf, finishedTrail, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const ACCOUNTS = [ACME_PRODUCTION, ACME_STAGING];
const keysStep = (account: string) => `ibm-cloud.${account}.api-keys`;

describe('a response lost after IBM Cloud made the change', () => {
  it('is recorded as removed, answer lost and confirmed on retry, under the transaction id that made it, and the key is deleted once', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-LOST' });
    const keysIn = new Map(ACCOUNTS.map((a) => [a, stack.ibm.apiKeysOf(a, SIM_IAM_IDS.jane).map((k) => k.id)]));
    expect(keysIn.get(ACME_PRODUCTION)!.length).toBeGreaterThan(1);
    // The first key deletion (in whichever account its step reaches first) goes through, and its answer comes back as a 500.
    stack.ibm.inject({ method: 'DELETE', path: '/v1/apikeys/', status: 500, times: 1, afterApply: true });
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id, { timeoutMs: 20_000 });
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);

    const lost = stack.ibm.requests.find((r) => r.method === 'DELETE' && r.path.startsWith('/v1/apikeys/') && r.status === 500)!;
    const lostKey = lost.path.split('/').pop()!;
    const account = ACCOUNTS.find((a) => keysIn.get(a)!.includes(lostKey))!;
    const keys = keysIn.get(account)!;
    const changes = eventsOf(trail, 'step.acted')
      .filter((e) => e.stepId === keysStep(account))
      .flatMap((e) => e.changes.map((c) => ({ ...c, transactionId: e.transactionId })));
    expect(changes.find((c) => c.id === lostKey)).toEqual({
      id: lostKey,
      label: expect.any(String),
      outcome: 'removed',
      detail: 'answer lost; confirmed on retry',
      owner: SIM_IAM_IDS.jane,
      transactionId: lost.transactionId,
    });
    // Every key recorded as removed exactly once, and asked to be deleted exactly once.
    for (const key of keys) {
      expect(
        changes.filter((c) => c.id === key && c.outcome === 'removed'),
        key,
      ).toHaveLength(1);
      expect(
        stack.ibm.requests.filter((r) => r.method === 'DELETE' && r.path === `/v1/apikeys/${key}`),
        key,
      ).toHaveLength(1);
    }
    // The retry resumed: no later execution set out on a key the first one had finished.
    const [first, ...later] = eventsOf(trail, 'step.acting').filter((e) => e.stepId === keysStep(account));
    expect(first!.transactionId).toBe(lost.transactionId);
    for (const key of keys)
      for (const again of later)
        expect(
          again.itemIds.some((i) => i.startsWith(`${key}/`) || i === key),
          key,
        ).toBe(false);
  });

  it('while IAM still lists the removed key, the retry\'s "not found" records the removal under the first transaction id, in the trail, the JSON and the PDF', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-LAG' });
    // A removal takes 3 s to show in IAM's listings: the retry (after 200 ms) still finds the key and deletes it again.
    stack.ibm.setConsistencyDelay(3_000);
    stack.ibm.inject({ method: 'DELETE', path: '/v1/apikeys/', status: 500, times: 1, afterApply: true });
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id, { timeoutMs: 30_000 });
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    const lost = stack.ibm.requests.find((r) => r.method === 'DELETE' && r.path.startsWith('/v1/apikeys/') && r.status === 500)!;
    const lostKey = lost.path.split('/').pop()!;
    // The retry did meet the lag: IBM answered "not found" to a second delete of the same key.
    const again = stack.ibm.requests.find((r) => r.method === 'DELETE' && r.path === lost.path && r.status === 404)!;
    expect(again.transactionId).not.toBe(lost.transactionId);

    const changes = eventsOf(trail, 'step.acted').flatMap((e) =>
      e.changes.filter((c) => c.id === lostKey).map((c) => ({ ...c, transactionId: e.transactionId })),
    );
    expect(changes).toEqual([
      {
        id: lostKey,
        label: expect.any(String),
        outcome: 'removed',
        detail: 'answer lost; confirmed on retry',
        owner: SIM_IAM_IDS.jane,
        transactionId: lost.transactionId,
      },
    ]);

    await player.evidence(id, 20_000);
    const json = stack.slack.files.find((f) => f.filename.endsWith(`${id}.json`))!;
    const pack = JSON.parse(Buffer.from(json.bytes).toString('utf8')) as EvidencePack;
    const step = pack.steps.find((s) => s.changes.some((c) => c.id === lostKey))!;
    expect(step.changes.find((c) => c.id === lostKey)).toMatchObject({ outcome: 'removed', detail: 'answer lost; confirmed on retry' });
    expect(step.transaction_ids).toContain(lost.transactionId);
    const pdf = stack.slack.files.find((f) => f.filename.endsWith(`${id}.pdf`))!;
    const text = (await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true })).text.replace(/\s+/g, ' ');
    expect(step.changes.find((c) => c.id === lostKey)?.transaction_id).toBe(lost.transactionId);
    expect(text).toContain(`(${lostKey}): removed (answer lost; confirmed on retry), transaction ${lost.transactionId}`);
  }, 60_000);

  it('in a disable, the key found already disabled and the policy found gone are recorded as ours, with their snapshots, and Reinstate brings both back', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, {
      person: PEOPLE.jane,
      reason: 'resignation',
      disposition: 'disable_then_delete',
      graceDays: '30',
      successor: PEOPLE.taylor,
      ticket: 'HR-LOST-DISABLE',
    });
    stack.ibm.inject({ method: 'POST', path: /^\/v1\/apikeys\/[^/]+\/disable$/, status: 500, times: 1, afterApply: true });
    stack.ibm.inject({ method: 'DELETE', path: '/v2/policies/', status: 500, times: 1, afterApply: true });
    await player.click(PEOPLE.alex, 'approve', id);
    const disabled = await finishedTrail(stack, id, { timeoutMs: 20_000 });
    expect(eventsOf(disabled, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);

    const lostKey = stack.ibm.requests.find((r) => r.method === 'POST' && r.path.endsWith('/disable') && r.status === 500)!;
    const lostPolicy = stack.ibm.requests.find((r) => r.method === 'DELETE' && r.path.startsWith('/v2/policies/') && r.status === 500)!;
    const keyId = lostKey.path.split('/')[3]!;
    const policyId = lostPolicy.path.split('/').pop()!;
    const recorded = (itemId: string) =>
      eventsOf(disabled, 'step.acted').flatMap((e) => e.changes.filter((c) => c.id === itemId).map((c) => ({ ...c, transactionId: e.transactionId })));
    expect(recorded(keyId)).toEqual([
      expect.objectContaining({
        outcome: 'disabled',
        detail: 'answer lost; confirmed on retry',
        snapshot: { disabled: false, iamId: SIM_IAM_IDS.jane },
        transactionId: lostKey.transactionId,
      }),
    ]);
    expect(recorded(policyId)).toEqual([
      expect.objectContaining({ outcome: 'removed', detail: 'answer lost; confirmed on retry', transactionId: lostPolicy.transactionId }),
    ]);
    expect(recorded(policyId)[0]!.snapshot).toMatchObject({ document: expect.objectContaining({ control: expect.any(Object), resource: expect.any(Object) }) });

    await stack.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks ?? []).includes(ACTIONS.reinstate), { timeoutMs: 20_000 });
    await player.checklistButton(PEOPLE.riley, 'reinstate', id);
    const reinstated = await finishedTrail(stack, id, { rounds: 2, timeoutMs: 20_000 });
    expect(eventsOf(reinstated, 'run.finished')[1]!.outcome).toBe('verified');
    expect(stack.ibm.apiKey(keyId)?.disabled).toBe(false);
    const restoredPolicy = eventsOf(reinstated, 'step.acted')
      .flatMap((e) => e.changes)
      .find((c) => c.id === policyId && c.outcome === 'restored');
    expect(restoredPolicy?.detail).toMatch(/^re-created as \S+$/);
  }, 60_000);
});
