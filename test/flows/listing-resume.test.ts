import { describe, expect, it } from 'vitest';
import { runView } from '../../src/runs/run-view.js';
import { crowdIbmSeed, crowdPerson, crowdSlackUsers } from '../../app/demo/crowd.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, finishedTrail, STAGING_CREDENTIALS, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const CROWD = 30;
const PAGE = 5;

describe('an account-wide listing that fails part-way during a run', () => {
  it("is taken up from the page that failed by the step's next attempt, which then verifies the step: no page before it is read again", async () => {
    const { stack, player } = await start({
      ibm: { seed: crowdIbmSeed(CROWD), pageSize: PAGE },
      extraSlackUsers: crowdSlackUsers(CROWD),
      env: { OFFBOARD_RETRY_DELAY_MS: '100', OFFBOARD_RETRY_MAX_DELAY_MS: '500' },
    });
    const leaver = crowdPerson(12);
    const id = await player.request(PEOPLE.morgan, { person: leaver.slackUserId, reason: 'contract_end', disposition: 'delete_now', ticket: 'HR-PAGES' });
    const from = stack.ibm.requests.length;
    // The third page of the first API-key listing after the approval fails, once: the read-back's.
    stack.ibm.inject({ path: '/v1/apikeys', query: { type: 'user' }, status: 503, after: 2, times: 1 });
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject({ round: 1, ...VERIFIED_BUT_STAGING });
    expect(runView(trail).steps.every((s) => s.state === (s.id === STAGING_CREDENTIALS ? 'unchecked' : 'verified'))).toBe(true);
    for (const account of [ACME_PRODUCTION, ACME_STAGING]) expect(stack.ibm.apiKeysOf(account, leaver.iamId)).toEqual([]);

    // The users' keys: the service IDs' keys are listed at the same path, for what the person created.
    const keyListings = stack.ibm.requests.slice(from).filter((r) => r.path === '/v1/apikeys' && r.query.type === 'user');
    expect(keyListings.filter((r) => r.status === 503)).toHaveLength(1);
    const failedAccount = keyListings.find((r) => r.status === 503)!.query.account_id;
    // The step's inventory shared the preview's listing (fresh enough); its read-back after the deletion met the
    // failure, and the next attempt of the read-back took the listing up.
    const keyStep = (e: { stepId: string }) => e.stepId.endsWith('api-keys') && e.stepId.includes(failedAccount!);
    expect(eventsOf(trail, 'step.started').filter(keyStep)).toHaveLength(1);
    expect(eventsOf(trail, 'step.retrying').filter(keyStep)).toHaveLength(1);
    // In that account the listing began once after the approval (the read-back's), not a second time after the failure.
    const firstPages = keyListings.filter((r) => r.query.account_id === failedAccount && !r.query.pagetoken);
    expect(firstPages).toHaveLength(1);
  });
});
