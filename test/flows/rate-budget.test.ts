import { describe, expect, it } from 'vitest';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING, JANE_EMAIL, SIM_IAM_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, finishedTrail, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const RPS = 4;

describe('with IBMCLOUD_MAX_RPS set', () => {
  it('an offboarding waits for its turn instead of failing: verified, no retries spent, and each account’s calls spaced to the budget', async () => {
    const { stack, player } = await start({ env: { IBMCLOUD_MAX_RPS: String(RPS) } });
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', ticket: 'HR-RPS' });
    const approvedAt = Date.now();
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id, { timeoutMs: 60_000 });
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    // Waiting for the budget is not a failure: no attempt was spent on it.
    expect(eventsOf(trail, 'step.retrying')).toEqual([]);
    expect(eventsOf(trail, 'step.failed')).toEqual([]);
    for (const account of [ACME_PRODUCTION, ACME_STAGING]) expect(stack.ibm.userInAccount(account, JANE_EMAIL)).toBeUndefined();
    expect(stack.ibm.apiKeysOf(ACME_PRODUCTION, SIM_IAM_IDS.jane)).toEqual([]);

    // After the first second's burst, each account's calls of the run are spaced 1/RPS apart.
    const run = stack.ibm.requests.filter((r) => Date.parse(r.at) >= approvedAt - 5 && r.path !== '/identity/token');
    const inProduction = run.filter((r) => r.path.includes(ACME_PRODUCTION) || r.query.account_id === ACME_PRODUCTION);
    expect(inProduction.length).toBeGreaterThan(2 * RPS);
    const span = Date.parse(inProduction.at(-1)!.at) - Date.parse(inProduction[0]!.at);
    expect(span).toBeGreaterThanOrEqual(((inProduction.length - RPS) / RPS) * 1000 - 50);
  });
});
