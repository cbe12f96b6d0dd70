import { describe, expect, it } from 'vitest';
import { readingFresh } from '../../../src/connectors/read-fresh.js';
import type { StepContext } from '../../../src/connectors/connector.js';
import { accountMembershipStep } from '../../../src/connectors/ibm-cloud/account-membership-step.js';
import { ACME_PRODUCTION, JANE_EMAIL, SIM_IAM_IDS } from '../../../src/simulators/ibm-cloud/index.js';
import { mutations, useIbmSimulator } from '../ibm-cloud-harness.js';

const simulator = useIbmSimulator();
const { jane, janeSl, lookalike } = SIM_IAM_IDS;
const HOUR = 3_600_000;
/** When access was removed, as a re-scan asks. */
const since = new Date(Date.now() - 60_000);

const ctx: StepContext = {
  requestId: 'req-1',
  scope: ACME_PRODUCTION,
  transactionId: 'tx-1',
  person: { requestId: 'req-1', slackUserId: 'U0JANE', email: JANE_EMAIL },
  identities: [
    { scope: ACME_PRODUCTION, id: jane, label: 'Jane Doe' },
    { scope: ACME_PRODUCTION, id: janeSl, label: 'Jane Doe (SL)' },
  ],
};

describe("a re-scan's look at the person's sign-ins in the account's latest activity report", () => {
  it('names each of her logins the report shows signing in after access was removed, and nobody else, changing nothing', async () => {
    const { sim, client } = await simulator();
    const after = new Date(since.getTime() + 1_000).toISOString();
    sim.signIn(janeSl, after);
    sim.signIn(lookalike, after);
    sim.fileReport(ACME_PRODUCTION, { asOf: new Date(since.getTime() + 2 * HOUR), durationHours: 1 });

    const signIns = await accountMembershipStep(client, ACME_PRODUCTION).signInsSince!(ctx, since.toISOString());

    expect(signIns.unchecked).toBeUndefined();
    expect(signIns.found).toEqual([expect.objectContaining({ id: janeSl, lastUsed: after, detail: expect.stringContaining(`signed in at ${after}`) })]);
    expect(mutations(sim)).toEqual([]);
  });

  it('a report that ended before access was removed checks nothing, and says so instead of passing as clean', async () => {
    const { sim, client } = await simulator();
    sim.signIn(jane, new Date(since.getTime() - 2 * HOUR));
    sim.fileReport(ACME_PRODUCTION, { asOf: new Date(since.getTime() - HOUR), durationHours: 1 });

    const signIns = await accountMembershipStep(client, ACME_PRODUCTION).signInsSince!(ctx, since.toISOString());

    expect(signIns.found).toEqual([]);
    expect(signIns.unchecked).toMatch(/^sign-ins not checked: the latest activity report \(.+\) ended at .+, before access was removed$/);
  });

  it("with no report in the account, none is made (it would replace the sweep's): not checked, and nothing asked of IAM but the read", async () => {
    const { sim, client } = await simulator();

    const signIns = await accountMembershipStep(client, ACME_PRODUCTION).signInsSince!(ctx, since.toISOString());

    expect(signIns).toEqual({ found: [], unchecked: expect.stringContaining('the account has no activity report') });
    expect(sim.requests.filter((r) => r.path.startsWith('/v1/activity/')).map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /v1/activity/accounts/${ACME_PRODUCTION}/report/latest`,
    ]);
  });
});

describe('whether the person is a member of the account', () => {
  const asked = (sim: { requests: { method: string; path: string }[] }) =>
    sim.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/v2/accounts/${ACME_PRODUCTION}/users`));
  /** The paths asked of IBM since the `before`-th request, sorted. */
  const askedSince = (sim: Parameters<typeof asked>[0], before: number) =>
    asked(sim)
      .slice(before)
      .map((r) => r.path)
      .sort();
  /** One read of each of Jane's two user records, and nothing else. */
  const ownRecordReads = () => [jane, janeSl].map((id) => `/v2/accounts/${ACME_PRODUCTION}/users/${id}`).sort();

  it("is read from the account's user list the identification read moments ago: the inventory asks IAM nothing more, and finds exactly her logins", async () => {
    const { sim, client } = await simulator();
    // The identification (or the preview) lists the account's users by email.
    const found = await client.inAccount(ACME_PRODUCTION).findUsersByEmail(ACME_PRODUCTION, JANE_EMAIL);
    expect(found.map((u) => u.iamId).sort()).toEqual([jane, janeSl].sort());
    const listed = asked(sim).length;

    const inventory = await accountMembershipStep(client.inAccount(ACME_PRODUCTION), ACME_PRODUCTION).inventory(ctx);

    expect(inventory.found.map((f) => f.id).sort()).toEqual([jane, janeSl].sort());
    expect(asked(sim)).toHaveLength(listed);
  });

  it("is read one login at a time once the bot changed the account's users since that list was read: never every page of the list again for one person", async () => {
    const { sim, client } = await simulator();
    await client.inAccount(ACME_PRODUCTION).findUsersByEmail(ACME_PRODUCTION, JANE_EMAIL);
    // Someone else's run removed them from the account: the list no longer answers anyone.
    expect(await client.removeUser(ACME_PRODUCTION, lookalike, 'tx-other')).toBe(true);
    const before = asked(sim).length;

    const inventory = await accountMembershipStep(client.inAccount(ACME_PRODUCTION), ACME_PRODUCTION).inventory(ctx);

    expect(inventory.found.map((f) => f.id).sort()).toEqual([jane, janeSl].sort());
    expect(askedSince(sim, before)).toEqual(ownRecordReads());
  });

  it("is read back one login at a time, never the whole user list again: a removal shows in the user's own record", async () => {
    const { sim, client } = await simulator();
    const step = accountMembershipStep(client.inAccount(ACME_PRODUCTION), ACME_PRODUCTION);
    await step.inventory(ctx);
    const before = asked(sim).length;

    const readBack = await readingFresh(() => step.delete!.readBack(ctx, []));

    expect(readBack.confirmed).toBe(false);
    expect(askedSince(sim, before)).toEqual(ownRecordReads());
  });
});
