import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { ACME_PRODUCTION, ACME_STAGING, SIM_GROUP_IDS, SIM_IAM_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { Keys } from '../../src/redis.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { rescanJobId } from '../../src/runs/rescan.js';
import { RescanSchedule } from '../../src/runs/rescan-schedule.js';
import { eventsOf, eventually, finishedTrail, readTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const HOUR = 3_600_000;
const janeLeaves = {
  person: PEOPLE.jane,
  reason: 'resignation' as const,
  disposition: 'disable_then_delete' as const,
  graceDays: '30',
  successor: PEOPLE.taylor,
  ticket: 'HR-SCAN',
};

/** Jane disabled, with re-scans due `after` (e.g. '2s') after the disable phase finished. */
async function disabledJane(after: string) {
  const { stack, player } = await start({ slackScim: true, env: { OFFBOARD_RESCAN_AFTER: after } });
  const id = await player.request(PEOPLE.morgan, janeLeaves);
  await player.click(PEOPLE.alex, 'approve', id);
  await finishedTrail(stack, id);
  // Disabled once the evidence pack is stored: the checklist then offers Reinstate.
  await stack.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks ?? []).includes(ACTIONS.reinstate), { timeoutMs: 20_000 });
  return { stack, player, id };
}

async function rescans(stack: LocalStack, id: string) {
  return eventually(
    async () => {
      const done = eventsOf(await readTrail(stack, id), 'rescan.done');
      return done.length ? done : undefined;
    },
    15_000,
    'a re-scan',
  );
}

describe('re-scans after the disable phase', () => {
  it('a group membership re-added from outside raises an alert in the thread and the channel, mentioning the approvers', async () => {
    const { stack, player, id } = await disabledJane('2s');
    stack.ibm.addToGroup(SIM_GROUP_IDS.prodDevelopers, SIM_IAM_IDS.jane);

    const [done] = await rescans(stack, id);
    expect(done!.phase).toBe('disable');
    expect(done!.findings).toEqual([
      expect.objectContaining({
        stepId: `ibm-cloud.${ACME_PRODUCTION}.access-groups`,
        item: expect.objectContaining({ id: SIM_GROUP_IDS.prodDevelopers }),
        why: expect.stringContaining('ended by this offboarding, and there again'),
      }),
    ]);
    const alert = await stack.slack.waitFor(() =>
      stack.slack
        .messages(APPROVAL_CHANNEL)
        .concat(stack.slack.thread(APPROVAL_CHANNEL, player.approvalMessage(id)!.ts))
        .find((m) => m.text.includes('Access came back')),
    );
    expect(alert.text).toContain('<!subteam^S0ITAPPROV>');
    expect(alert.text).toContain(SIM_GROUP_IDS.prodDevelopers);
    const metrics = await stack.bot.metrics.registry.getSingleMetricAsString('offboard_rescan_alerts_total');
    expect(metrics).toMatch(/offboard_rescan_alerts_total\{system="ibm-cloud"\} 1/);
  });

  it('a re-scan that comes due while its round is still finishing waits for the round, and is made once it has, not skipped', async () => {
    const { stack, id } = await disabledJane('1h');
    const redis = new Redis(stack.config.redisUrl);
    const store = new RequestStore(redis, new Keys(stack.config.redisPrefix));
    const queue = new Queue(QUEUES.runs, { connection: new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null }), prefix: stack.config.redisPrefix });
    try {
      // As while the round publishes its evidence: the re-scans are scheduled, the status not yet flipped.
      await store.patch(id, { status: 'approved' });
      await new RescanSchedule(queue, [100]).schedule(id, 'disable');
      const job = await eventually(
        async () => {
          const j = await queue.getJob(rescanJobId(id, 'disable', 100));
          return j && j.attemptsMade > 0 ? j : undefined;
        },
        10_000,
        'the re-scan tried',
      );
      expect(await job.getState()).not.toBe('completed');
      expect(eventsOf(await readTrail(stack, id), 'rescan.done')).toEqual([]);

      await store.patch(id, { status: 'disabled' });
      const [done] = await rescans(stack, id);
      expect(done).toMatchObject({ phase: 'disable', afterMs: 100, findings: [] });
    } finally {
      await queue.close();
      await redis.quit();
    }
  });

  it('an API key used after its disable is flagged as use after revocation', async () => {
    const { stack, id } = await disabledJane('2s');
    const key = stack.ibm.apiKeysOf(ACME_PRODUCTION, SIM_IAM_IDS.jane)[0]!;
    stack.ibm.useApiKey(key.id, new Date());

    const [done] = await rescans(stack, id);
    expect(done!.findings.map((f) => [f.item.id, f.why])).toEqual([[key.id, expect.stringMatching(/^used at .*, after access was removed$/)]]);
  });

  it('an API key last used before its disable raises no alert: IAM dates that use before access was removed', async () => {
    const { stack, id } = await disabledJane('2s');
    const disabledAt = Date.parse(eventsOf(await readTrail(stack, id), 'run.finished').at(-1)!.at);
    const key = stack.ibm.apiKeysOf(ACME_PRODUCTION, SIM_IAM_IDS.jane)[0]!;
    stack.ibm.useApiKey(key.id, new Date(disabledAt - 60_000));

    const [done] = await rescans(stack, id);
    expect(done!.findings).toEqual([]);
  });

  it("Jane signing in after the disable, as the account's latest activity report shows, raises an alert in the thread and the channel", async () => {
    const { stack, player, id } = await disabledJane('2s');
    const disabledAt = Date.parse(eventsOf(await readTrail(stack, id), 'run.finished').at(-1)!.at);
    const signedIn = new Date(disabledAt + 1_000).toISOString();
    stack.ibm.signIn(SIM_IAM_IDS.jane, signedIn);
    // A one-hour report made two hours after the disable: Jane, silent since her sign-in, is listed with it.
    stack.ibm.fileReport(ACME_PRODUCTION, { asOf: new Date(disabledAt + 2 * HOUR), durationHours: 1 });

    const [done] = await rescans(stack, id);
    expect(done!.findings).toEqual([
      {
        stepId: `ibm-cloud.${ACME_PRODUCTION}.account-membership`,
        item: expect.objectContaining({ id: SIM_IAM_IDS.jane, lastUsed: signedIn }),
        why: `signed in at ${signedIn}, after access was removed`,
      },
    ]);
    expect(done!.unchecked.filter((u) => u.includes(ACME_PRODUCTION))).toEqual([]);
    const alert = await stack.slack.waitFor(() =>
      stack.slack
        .messages(APPROVAL_CHANNEL)
        .concat(stack.slack.thread(APPROVAL_CHANNEL, player.approvalMessage(id)!.ts))
        .find((m) => m.text.includes('Access came back')),
    );
    expect(alert.text).toContain(`signed in at ${signedIn}`);
  });

  it('a sign-in the activity report dates before the disable raises no alert', async () => {
    const { stack, id } = await disabledJane('2s');
    const disabledAt = Date.parse(eventsOf(await readTrail(stack, id), 'run.finished').at(-1)!.at);
    stack.ibm.signIn(SIM_IAM_IDS.jane, new Date(disabledAt - 60_000));
    stack.ibm.fileReport(ACME_PRODUCTION, { asOf: new Date(disabledAt + 2 * HOUR), durationHours: 1 });

    const [done] = await rescans(stack, id);
    expect(done!.findings).toEqual([]);
    expect(done!.unchecked.filter((u) => u.includes(ACME_PRODUCTION))).toEqual([]);
  });

  it('an activity report still generating is recorded as not checked, and the re-scan does not wait for it', async () => {
    const { stack, id } = await disabledJane('2s');
    stack.ibm.signIn(SIM_IAM_IDS.jane);
    stack.ibm.fileReport(ACME_PRODUCTION, { asOf: new Date(Date.now() + 2 * HOUR), durationHours: 1, readyInMs: 10 * 60_000 });

    const [done] = await rescans(stack, id);
    expect(done!.findings).toEqual([]);
    expect(done!.unchecked).toContain(`Account membership in ${ACME_PRODUCTION}: sign-ins not checked: the latest activity report is still generating`);
  });

  it('a clean re-scan is recorded, shown on the checklist, and raises no alert', async () => {
    const { stack, player, id } = await disabledJane('2s');

    const [done] = await rescans(stack, id);
    expect(done!.findings).toEqual([]);
    // Where the Resource Controller cannot answer, the re-scan did not look: listed as not checked, never as clean.
    const why = `Service credentials and instances they created in ${ACME_STAGING}: the Resource Controller answers only for account ${ACME_PRODUCTION}, the one IBMCLOUD_API_KEY belongs to`;
    expect(done!.unchecked).toContain(why);
    // No inactive-identities sweep has run: there is no activity report to read her sign-ins from, and it says so.
    expect(done!.unchecked.filter((u) => u !== why)).toEqual(
      done!.unchecked
        .filter((u) => u !== why)
        .map(() => expect.stringMatching(/^Account membership in .+: sign-ins not checked: the account has no activity report/)),
    );
    expect(done!.unchecked.length).toBeGreaterThan(1);
    await stack.slack.waitFor(() =>
      JSON.stringify(player.checklist(id)?.blocks ?? []).includes(`nothing came back where it could look; *not checked:* ${why}`),
    );
    expect(stack.slack.messages(APPROVAL_CHANNEL).some((m) => m.text.includes('Access came back'))).toBe(false);
    // App Home shows it too, beside the request.
    await eventually(
      async () => {
        await stack.events.event({ type: 'app_home_opened', user: PEOPLE.riley, channel: 'D0RILEY01', tab: 'home' });
        const home = stack.slack
          .callsTo('views.publish')
          .filter((c) => c.args.user_id === PEOPLE.riley)
          .at(-1);
        return home && JSON.stringify(home.args.view).includes(`${id}`) && JSON.stringify(home.args.view).includes('last re-scan') ? home : undefined;
      },
      10_000,
      'App Home showing the re-scan',
    );
  });

  it('a reinstatement cancels the re-scans still pending', async () => {
    const { stack, player, id } = await disabledJane('1h');
    const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUES.runs, { connection: redis, prefix: stack.config.redisPrefix });
    try {
      expect(await queue.getJob(`${id}.rescan.disable.3600000`)).toBeDefined();
      await player.checklistButton(PEOPLE.riley, 'reinstate', id);
      await finishedTrail(stack, id, { rounds: 2 });
      await eventually(async () => (await queue.getJob(`${id}.rescan.disable.3600000`)) === undefined, 10_000, 'the re-scan to be cancelled');
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });
});
