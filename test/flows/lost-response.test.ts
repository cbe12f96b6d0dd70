import { describe, expect, it } from 'vitest';
import { PEOPLE } from '../../src/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING, SIM_IAM_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, finishedTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const ACCOUNTS = [ACME_PRODUCTION, ACME_STAGING];
const keysStep = (account: string) => `ibm-cloud.${account}.api-keys`;

describe('a response lost after IBM Cloud made the change', () => {
  it('is recorded as removed, confirmed on re-inventory, under the transaction id that made it, and the key is deleted once', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-LOST' });
    const keysIn = new Map(ACCOUNTS.map((a) => [a, stack.ibm.apiKeysOf(a, SIM_IAM_IDS.jane).map((k) => k.id)]));
    expect(keysIn.get(ACME_PRODUCTION)!.length).toBeGreaterThan(1);
    // The first key deletion (in whichever account its step reaches first) goes through, and its answer comes back as a 500.
    stack.ibm.inject({ method: 'DELETE', path: '/v1/apikeys/', status: 500, times: 1, afterApply: true });
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id, { timeoutMs: 20_000 });
    expect(eventsOf(trail, 'run.finished')[0]!.outcome).toBe('verified');

    const lost = stack.ibm.requests.find((r) => r.method === 'DELETE' && r.path.startsWith('/v1/apikeys/') && r.status === 500)!;
    const lostKey = lost.path.split('/').pop()!;
    const account = ACCOUNTS.find((a) => keysIn.get(a)!.includes(lostKey))!;
    const keys = keysIn.get(account)!;
    const changes = eventsOf(trail, 'step.acted').filter((e) => e.stepId === keysStep(account)).flatMap((e) => e.changes.map((c) => ({ ...c, transactionId: e.transactionId })));
    expect(changes.find((c) => c.id === lostKey)).toEqual({
      id: lostKey,
      label: expect.any(String),
      outcome: 'removed',
      detail: 'confirmed on re-inventory',
      owner: SIM_IAM_IDS.jane,
      transactionId: lost.transactionId,
    });
    // Every key recorded as removed exactly once, and asked to be deleted exactly once.
    for (const key of keys) {
      expect(changes.filter((c) => c.id === key && c.outcome === 'removed'), key).toHaveLength(1);
      expect(stack.ibm.requests.filter((r) => r.method === 'DELETE' && r.path === `/v1/apikeys/${key}`), key).toHaveLength(1);
    }
    // The retry resumed: no later execution set out on a key the first one had finished.
    const [first, ...later] = eventsOf(trail, 'step.acting').filter((e) => e.stepId === keysStep(account));
    expect(first!.transactionId).toBe(lost.transactionId);
    for (const key of keys) for (const again of later) expect(again.itemIds.some((i) => i.startsWith(`${key}/`) || i === key), key).toBe(false);
  });
});
