import { describe, expect, it } from 'vitest';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, finishedTrail, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const usersListing = (account: string) => `/v2/accounts/${account}/users`;

describe("a round's identification that meets faults", () => {
  it('keeps what each account answered: a retry asks only what is still unknown, and the round still ends verified', async () => {
    const { stack, player } = await start({ env: { OFFBOARD_RETRY_DELAY_MS: '100', OFFBOARD_RETRY_MAX_DELAY_MS: '300' } });
    // Who owns the bot's key cannot be asked four times: once by the preview, which lists each
    // account's users first and then says IBM Cloud could not be checked, and three times by the
    // identification. It shares those listings, fresh enough, and asks again only what it could not share
    // (an answer about the key would be kept for the whole process: a failure is not).
    stack.ibm.inject({ path: '/v1/apikeys/details', status: 500, times: 4 });
    const id = await player.request(PEOPLE.alex, { person: PEOPLE.jane, reason: 'resignation', disposition: 'delete_now', ticket: 'HR-IDENT' });
    const from = stack.ibm.requests.length;
    expect(stack.ibm.requests.filter((r) => r.path === '/v1/apikeys/details').map((r) => r.status)).toEqual([500]);
    await player.click(PEOPLE.riley, 'approve', id);

    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'identities.failed')).toEqual([]);
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject({ round: 1, ...VERIFIED_BUT_STAGING });

    // Up to the answer that named the key's owner, every call belonged to the identification.
    const calls = stack.ibm.requests.slice(from);
    const named = calls.findIndex((r) => r.path === '/v1/apikeys/details' && r.status === 200);
    expect(named).toBeGreaterThan(0);
    const identification = calls.slice(0, named + 1);
    const listings = (account: string) => identification.filter((r) => r.path === usersListing(account) && !r.query.pagetoken);
    // Neither account's users were listed again, by the first attempt or its retries; the key's owner was asked until it answered, then no more.
    expect(listings(ACME_PRODUCTION)).toEqual([]);
    expect(listings(ACME_STAGING)).toEqual([]);
    expect(identification.filter((r) => r.path === '/v1/apikeys/details').map((r) => r.status)).toEqual([500, 500, 500, 200]);
  });
});
