import { describe, expect, it } from 'vitest';
import { runView } from '../../src/runs/run-view.js';
import { crowdIbmSeed, crowdPerson, crowdSlackUsers } from '../../app/demo/crowd.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, eventually, readTrail, STAGING_CREDENTIALS, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const PEOPLE_LEAVING = 20;
/** Every service path, not the token endpoint: the faults meet the work, not the sign-in. */
const SERVICES = /^\/v\d/;

describe('offboarding under steady partial faults from IBM Cloud', () => {
  it(`${PEOPLE_LEAVING} offboardings while IBM answers 20% of calls with 5xx and 10% with 429 all end verified in their first round`, async () => {
    const { stack, player } = await start({
      ibm: { seed: crowdIbmSeed(PEOPLE_LEAVING), faultSeed: 20261124 },
      extraSlackUsers: crowdSlackUsers(PEOPLE_LEAVING),
      // The project's defaults for attempts and backoff shape; shorter delays keep the test quick.
      env: { OFFBOARD_RETRY_DELAY_MS: '100', OFFBOARD_RETRY_MAX_DELAY_MS: '1000', OFFBOARD_WORKER_CONCURRENCY: '16' },
    });
    const ids: string[] = [];
    for (let i = 0; i < PEOPLE_LEAVING; i++) {
      ids.push(
        await player.request(
          PEOPLE.morgan,
          { person: crowdPerson(i).slackUserId, reason: 'contract_end', disposition: 'delete_now', ticket: `HR-F${i}` },
          { awaitPreview: false },
        ),
      );
    }
    // Rules are tried in order, each on what the ones before let through: 15% + 5% 5xx, then 10% 429.
    stack.ibm.inject({ path: SERVICES, status: 500, rate: 0.15 });
    stack.ibm.inject({ path: SERVICES, status: 503, rate: 0.05 / 0.85 });
    stack.ibm.inject({ path: SERVICES, status: 429, rate: 0.1 / 0.8, retryAfterSeconds: 1 });
    for (const id of ids) await player.click(PEOPLE.alex, 'approve', id);

    const trails = await eventually(
      async () => {
        const all = await Promise.all(ids.map((id) => readTrail(stack, id)));
        return all.every((t) => eventsOf(t, 'run.finished').length > 0) ? all : undefined;
      },
      150_000,
      'every run to finish',
    );
    stack.ibm.clearFaults();
    const faulted = stack.ibm.requests.filter((r) => r.status === 500 || r.status === 503 || r.status === 429).length;
    expect(faulted).toBeGreaterThan(100); // the faults really were there

    for (const [n, trail] of trails.entries()) {
      const [finished] = eventsOf(trail, 'run.finished');
      const failures = eventsOf(trail, 'step.failed').map((e) => `${e.stepId} (attempt ${e.attempt}): ${e.error}`);
      expect(finished, `${ids[n]}: ${failures.join('; ')}`).toMatchObject({ round: 1, ...VERIFIED_BUT_STAGING });
      expect(runView(trail).steps.every((s) => s.state === (s.id === STAGING_CREDENTIALS ? 'unchecked' : 'verified'))).toBe(true);
    }
    for (let i = 0; i < PEOPLE_LEAVING; i++) {
      for (const account of [ACME_PRODUCTION, ACME_STAGING]) {
        expect(stack.ibm.userInAccount(account, crowdPerson(i).email)).toBeUndefined();
        expect(stack.ibm.apiKeysOf(account, crowdPerson(i).iamId)).toEqual([]);
        expect(stack.ibm.groupsOf(account, crowdPerson(i).iamId)).toEqual([]);
        expect(stack.ibm.policiesOf(account, crowdPerson(i).iamId)).toEqual([]);
      }
    }
  }, 180_000);
});
