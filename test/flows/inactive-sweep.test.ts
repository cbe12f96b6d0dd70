import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { crowdIbmSeed } from '../../app/demo/crowd.js';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { SlackPlayer } from '../../app/demo/slack-player.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { SweepTrail } from '../../src/connectors/ibm-cloud/sweep/sweep-trail.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { Keys } from '../../src/redis.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { ACME_PRODUCTION, ACME_STAGING, SIM_IAM_IDS, SIM_NHI_IDS } from '../../src/simulators/ibm-cloud/index.js';
import type { SlackResponse } from '../../src/simulators/slack/index.js';
import { COMMAND, FIELDS } from '../../src/slack/blocks/ids.js';
import { eventually, readTrail } from '../support/approval-helpers.js';
import { queueIsEmpty, useQueues } from '../support/queues.js';
import { useStack } from '../support/stack.js';
import { SWEEP_ACTIONS, SWEEP_SCHEDULER, sweepKeys } from '../../src/connectors/ibm-cloud/sweep/sweep-ids.js';
import { SWEEP_MAX_POLLS } from '../../src/connectors/ibm-cloud/sweep/sweep-settings.js';
import { IbmCloudClient } from '../../src/connectors/ibm-cloud/ibm-cloud-client.js';
import { ibmConfig } from '../connectors/ibm-cloud-harness.js';

const start = useStack();
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

const SWEEP_ENV = { OFFBOARD_SWEEP_POLL_MS: '100' };
const DIGEST = 'Inactive identities in IBM Cloud account';

type Block = { type: string; block_id?: string; text?: { text: string }; accessory?: { action_id: string; value: string } };

const queueOf = useQueues();
const sweepQueue = (stack: LocalStack): Queue => queueOf(stack, QUEUES.systems);

function trailOf(stack: LocalStack): SweepTrail {
  const redis = new Redis(stack.config.redisUrl);
  closers.push(() => redis.quit());
  return new SweepTrail(redis, sweepKeys(new Keys(stack.config.redisPrefix)));
}

const digests = (stack: LocalStack, account = ACME_PRODUCTION) =>
  stack.slack.messages(APPROVAL_CHANNEL).filter((m) => !m.thread_ts && m.text.startsWith(`${DIGEST} ${account}`));

/** `/offboard sweep` as `userId` types it; Slack's answer to it (through the command's response URL). */
async function sweep(stack: LocalStack, player: SlackPlayer, userId: string) {
  const before = stack.slack.responses.length;
  const res = await stack.events.slashCommand({ command: COMMAND, text: 'sweep', userId, channelId: GENERAL_CHANNEL });
  await player.settled();
  expect(res.status).toBe(200);
  return stack.slack.responses.slice(before).map((r) => JSON.stringify(r.body));
}

/** Until the sweep's queue holds nothing waiting, delayed or running. */
async function swept(queue: Queue) {
  await eventually(
    async () => {
      const c = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized', 'waiting-children');
      return Object.values(c).every((n) => n === 0);
    },
    20_000,
    'the sweep to finish',
  );
}

/** The digest row with a button naming this IBM id. */
function rowOf(message: { blocks: unknown[] }, id: string): Block {
  const row = (message.blocks as Block[]).find((b) => b.accessory && JSON.parse(b.accessory.value).i === id);
  if (!row) throw new Error(`no digest row for ${id}`);
  return row;
}

function click(stack: LocalStack, userId: string, message: { ts: string }, row: Block) {
  return stack.events.blockAction({
    userId,
    actionId: row.accessory!.action_id,
    blockId: row.block_id,
    value: row.accessory!.value,
    channel: APPROVAL_CHANNEL,
    messageTs: message.ts,
  });
}

describe('the inactive-identities sweep', () => {
  it('waits with delayed jobs while IAM generates the report, then posts one digest per account', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    stack.ibm.setReportGeneration(60_000);
    const answer = await sweep(stack, player, PEOPLE.alex);
    expect(answer.join()).toContain('The inactive-identities sweep has started');
    // Still generating: each account's job waits as a delayed job, not in a worker slot, and nothing is posted.
    await eventually(async () => (await queue.getDelayedCount()) === 2, 10_000, 'both accounts waiting on their report');
    expect(await queue.getActiveCount()).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(digests(stack)).toHaveLength(0);

    stack.ibm.setReportGeneration(0);
    await swept(queue);
    const [digest] = digests(stack);
    expect(digests(stack)).toHaveLength(1);
    expect(digests(stack, ACME_STAGING)).toHaveLength(1);
    const text = JSON.stringify(digest!.blocks);
    expect(text).toContain('jane.doe@acme.example');
    expect(rowOf(digest!, SIM_NHI_IDS.ciPipelineKey).accessory!.action_id).toBe(SWEEP_ACTIONS.disable);
    expect(rowOf(digest!, SIM_NHI_IDS.ciPipeline).accessory!.action_id).toBe(SWEEP_ACTIONS.disable);
  });

  it('is run at once only by approvers: anyone else is refused privately and nothing is queued', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    const answer = await sweep(stack, player, PEOPLE.taylor);
    expect(answer.join()).toContain('Only approvers');
    expect(answer.join()).toContain('ephemeral');
    const counts = await queue.getJobCounts();
    expect(Object.values(counts).every((n) => n === 0)).toBe(true);
    expect(digests(stack)).toHaveLength(0);
  });

  it('keeps a digest of 500 people and their keys within Slack limits: the rest in the thread and the CSV', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV, ibm: { seed: crowdIbmSeed(500) } });
    const queue = sweepQueue(stack);
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    // The Slack simulator refuses what Slack refuses: each of these was accepted.
    const [digest] = digests(stack);
    expect(digest!.text).toMatch(/\b50\d users\b/);
    expect(digest!.blocks.length).toBeLessThanOrEqual(50);
    const thread = stack.slack.thread(APPROVAL_CHANNEL, digest!.ts).slice(1);
    expect(thread.some((m) => m.text.includes('continued'))).toBe(true);
    const csv = stack.slack.files.find((f) => f.filename === `inactive-identities-${ACME_PRODUCTION}.csv`);
    expect(csv).toMatchObject({ channelId: digest!.channel, threadTs: digest!.ts });
    const rows = csv!.bytes.toString('utf8').trim().split('\r\n');
    expect(rows.filter((r) => r.includes('leaver.'))).toHaveLength(1000);
    expect(stack.slack.calls.filter((c) => !c.ok).map((c) => c.error)).toEqual([]);
  });

  it('Offboard opens the request form with that person and the reason "Inactive identity"', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    const [digest] = digests(stack);
    const janeRow = (digest!.blocks as Block[]).find(
      (b) => b.accessory?.action_id === SWEEP_ACTIONS.offboard && JSON.parse(b.accessory.value).e === 'jane.doe@acme.example',
    );
    expect(janeRow).toBeDefined();
    await click(stack, PEOPLE.morgan, digest!, janeRow!);
    await player.settled();
    const form = player.lastForm(PEOPLE.morgan);
    const element = (block: string) =>
      ((form!.view as { blocks: { block_id?: string; element?: Record<string, unknown> }[] }).blocks.find((b) => b.block_id === block)?.element ??
        {}) as Record<string, unknown>;
    expect(element(FIELDS.person).initial_user).toBe(PEOPLE.jane);
    expect((element(FIELDS.reason).initial_option as { value: string }).value).toBe('inactive_identity');
  });

  it('Disable by an approver disables the key, records it in the sweep trail, and Enable gives it back', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    const trail = trailOf(stack);
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    const [digest] = digests(stack);
    await click(stack, PEOPLE.alex, digest!, rowOf(digest!, SIM_NHI_IDS.ciPipelineKey));
    await player.settled();
    await eventually(async () => stack.ibm.apiKey(SIM_NHI_IDS.ciPipelineKey)?.disabled === true, 10_000, 'the key disabled');
    const reply = await stack.slack.waitFor(() => stack.slack.thread(APPROVAL_CHANNEL, digest!.ts).find((m) => m.text.includes('disabled by')));
    expect(await trail.read()).toMatchObject([
      { action: 'disabled', actor: PEOPLE.alex, kind: 'serviceid-apikey', id: SIM_NHI_IDS.ciPipelineKey, keys: [SIM_NHI_IDS.ciPipelineKey] },
    ]);

    await click(stack, PEOPLE.riley, reply, rowOf(reply, SIM_NHI_IDS.ciPipelineKey));
    await player.settled();
    await eventually(async () => stack.ibm.apiKey(SIM_NHI_IDS.ciPipelineKey)?.disabled === false, 10_000, 'the key enabled again');
    await eventually(async () => (await trail.read()).length === 2, 10_000, 'the enable recorded');
    const [disabled, enabled] = await trail.read();
    expect(enabled).toMatchObject({ action: 'enabled', actor: PEOPLE.riley, keys: [SIM_NHI_IDS.ciPipelineKey] });
    // Hash-chained: the Enable links to the Disable.
    expect(enabled!.prev).toBe(disabled!.hash);
  });

  it('Disable of a service ID disables each of its keys, and Enable gives back exactly those', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    const trail = trailOf(stack);
    // A key of the service ID that someone disabled before the sweep: not the sweep's to give back.
    const earlier = stack.ibm.createApiKey({
      accountId: ACME_PRODUCTION,
      iamId: `iam-${SIM_NHI_IDS.logShipper}`,
      name: 'retired',
      createdBy: SIM_IAM_IDS.alex,
    });
    await new IbmCloudClient(ibmConfig(stack.ibm.url)).disableApiKey(earlier.id, 'test-retired');
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    const [digest] = digests(stack);
    await click(stack, PEOPLE.alex, digest!, rowOf(digest!, SIM_NHI_IDS.logShipper));
    await player.settled();
    await eventually(async () => (await trail.read()).length === 1, 10_000, 'the disable recorded');
    const [record] = await trail.read();
    expect(record).toMatchObject({ action: 'disabled', kind: 'serviceid', id: SIM_NHI_IDS.logShipper });
    expect(record!.keys).toContain(SIM_NHI_IDS.logShipperJaneKey);
    expect(record!.keys).not.toContain(earlier.id);
    for (const key of record!.keys) expect(stack.ibm.apiKey(key)?.disabled).toBe(true);

    const reply = await stack.slack.waitFor(() => stack.slack.thread(APPROVAL_CHANNEL, digest!.ts).find((m) => m.text.includes('disabled by')));
    await click(stack, PEOPLE.alex, reply, rowOf(reply, SIM_NHI_IDS.logShipper));
    await player.settled();
    await eventually(async () => (await trail.read()).length === 2, 10_000, 'the enable recorded');
    for (const key of record!.keys) expect(stack.ibm.apiKey(key)?.disabled).toBe(false);
    expect(stack.ibm.apiKey(earlier.id)?.disabled).toBe(true);
  });

  it('refuses Disable to anyone but an approver: nothing is queued, changed or recorded', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    const trail = trailOf(stack);
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    const [digest] = digests(stack);
    await click(stack, PEOPLE.taylor, digest!, rowOf(digest!, SIM_NHI_IDS.ciPipelineKey));
    await player.settled();
    expect(stack.slack.ephemerals.filter((e) => e.user === PEOPLE.taylor).map((e) => e.text)).toEqual([expect.stringContaining('Only approvers')]);
    expect(await queueIsEmpty(queue)).toBe(true);
    expect(stack.ibm.apiKey(SIM_NHI_IDS.ciPipelineKey)?.disabled).toBe(false);
    expect(await trail.read()).toEqual([]);
  });

  it('refuses Enable to anyone but an approver: the key stays disabled, nothing is queued or recorded', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    const trail = trailOf(stack);
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    const [digest] = digests(stack);
    await click(stack, PEOPLE.alex, digest!, rowOf(digest!, SIM_NHI_IDS.ciPipelineKey));
    await player.settled();
    const reply = await stack.slack.waitFor(() => stack.slack.thread(APPROVAL_CHANNEL, digest!.ts).find((m) => m.text.includes('disabled by')));
    await swept(queue);
    const recorded = await trail.read();
    expect(recorded).toHaveLength(1);
    const enable = rowOf(reply, SIM_NHI_IDS.ciPipelineKey);
    expect(enable.accessory!.action_id).toBe(SWEEP_ACTIONS.enable);

    await click(stack, PEOPLE.taylor, reply, enable);
    await player.settled();
    expect(stack.slack.ephemerals.filter((e) => e.user === PEOPLE.taylor).map((e) => e.text)).toEqual([expect.stringContaining('Only approvers')]);
    expect(await queueIsEmpty(queue)).toBe(true);
    expect(stack.ibm.apiKey(SIM_NHI_IDS.ciPipelineKey)?.disabled).toBe(true);
    expect(await trail.read()).toEqual(recorded);
    expect(stack.slack.thread(APPROVAL_CHANNEL, digest!.ts).filter((m) => m.text.includes('enabled again by'))).toEqual([]);
  });

  it('refuses the sweep and Disable to an approver about whom an offboarding is open, recording each refusal in the trail of the request about them', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    const trail = trailOf(stack);
    const about = await player.request(PEOPLE.morgan, { person: PEOPLE.riley, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-2' });
    const before = (await readTrail(stack, about)).length;
    expect((await sweep(stack, player, PEOPLE.riley)).join()).toContain('An offboarding request about you is open');
    expect(await queueIsEmpty(queue)).toBe(true);
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    const [digest] = digests(stack);
    await click(stack, PEOPLE.riley, digest!, rowOf(digest!, SIM_NHI_IDS.ciPipelineKey));
    await player.settled();
    expect(stack.slack.ephemerals.filter((e) => e.user === PEOPLE.riley).map((e) => e.text)).toEqual([
      expect.stringContaining('An offboarding request about you is open'),
      expect.stringContaining('An offboarding request about you is open'),
    ]);
    expect(await queueIsEmpty(queue)).toBe(true);
    expect(stack.ibm.apiKey(SIM_NHI_IDS.ciPipelineKey)?.disabled).toBe(false);
    expect(await trail.read()).toEqual([]);
    // A power used outside any request: refused and recorded where it concerns, the offboarding of the one who tried.
    const refusals = (await readTrail(stack, about)).slice(before).filter((e) => e.type === 'approval.refused');
    expect(refusals).toEqual([
      expect.objectContaining({
        actor: PEOPLE.riley,
        action: 'feature',
        what: 'run the inactive-identities sweep',
        reason: expect.stringContaining('An offboarding request about you is open'),
      }),
      expect.objectContaining({
        actor: PEOPLE.riley,
        action: 'feature',
        what: 'disable keys and service IDs from the sweep',
        reason: expect.stringContaining('An offboarding request about you is open'),
      }),
    ]);
  });

  it('does not post an unchanged digest again, even once the bot no longer remembers posting it', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    const redis = new Redis(stack.config.redisUrl);
    closers.push(() => redis.quit());
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    // The marks that make each post happen once expire after days: only the digest's own memory stops a repeat then.
    const marks = await redis.keys(`${new Keys(stack.config.redisPrefix).posting('*', '*')}`);
    expect(marks.length).toBeGreaterThan(0);
    await redis.del(...marks);
    await sweep(stack, player, PEOPLE.riley);
    await swept(queue);
    expect(digests(stack)).toHaveLength(1);
    expect(stack.slack.messages(APPROVAL_CHANNEL).filter((m) => m.text.startsWith('Nothing new'))).toHaveLength(0);
  });

  it('tells the channel when IAM refuses the report, and posts no digest for that account', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    stack.ibm.inject({ method: 'POST', path: `/v1/activity/accounts/${ACME_STAGING}/report`, status: 403 });
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    expect(digests(stack, ACME_STAGING)).toHaveLength(0);
    expect(digests(stack, ACME_PRODUCTION)).toHaveLength(1);
    const told = stack.slack.messages(APPROVAL_CHANNEL).filter((m) => m.text.includes(`sweep of IBM Cloud account ${ACME_STAGING} failed`));
    expect(told).toHaveLength(1);
  });

  it('Offboard for someone with no Slack user (deactivated there, or never had one) opens the form with their IBM email and "Inactive identity"', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    const gone = 'gene.gone@acme.example'; // deactivated in Slack
    const never = 'robin.contractor@acme.example'; // never had a Slack account
    stack.ibm.addUserToAccount(ACME_PRODUCTION, { iam_id: 'IBMid-SWEEPGONE', email: gone, firstname: 'Gene', lastname: 'Gone' });
    stack.ibm.addUserToAccount(ACME_PRODUCTION, { iam_id: 'IBMid-SWEEPNEVER', email: never, firstname: 'Robin', lastname: 'Contractor' });
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    const [digest] = digests(stack);
    for (const email of [gone, never]) {
      const row = (digest!.blocks as Block[]).find((b) => b.accessory?.action_id === SWEEP_ACTIONS.offboard && JSON.parse(b.accessory.value).e === email);
      const opened = stack.slack.views.length;
      await click(stack, PEOPLE.morgan, digest!, row!);
      await player.settled();
      expect(stack.slack.views.length).toBe(opened + 1);
      const blocks = (player.lastForm(PEOPLE.morgan)!.view as { blocks: { block_id?: string; element?: Record<string, unknown> }[] }).blocks;
      const element = (block: string) => blocks.find((b) => b.block_id === block)?.element ?? {};
      expect(element(FIELDS.personEmail).initial_value).toBe(email);
      expect(element(FIELDS.person).initial_user).toBeUndefined();
      expect((element(FIELDS.reason).initial_option as { value: string }).value).toBe('inactive_identity');
    }
    // Only a form: nothing is asked of the approvers until someone submits it.
    expect(stack.slack.ephemerals.filter((e) => e.user === PEOPLE.morgan)).toEqual([]);
    expect(stack.slack.messages(APPROVAL_CHANNEL).filter((m) => /OFF-[0-9A-Z]+/.test(m.text))).toEqual([]);
  });

  it('marks a person whose offboarding is open, offering no Offboard for them', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-1' });
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    const [digest] = digests(stack);
    const jane = (digest!.blocks as Block[]).find((b) => b.text?.text.includes('jane.doe@acme.example'));
    expect(jane?.text?.text).toContain(`offboarding under way (${id})`);
    expect(jane?.accessory).toBeUndefined();
  });

  it('marks a person whose offboarding is finished, offering no Offboard for them', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    const redis = new Redis(stack.config.redisUrl);
    closers.push(() => redis.quit());
    const store = new RequestStore(redis, new Keys(stack.config.redisPrefix));
    // A role change keeps the person in the account: still in IAM's report once it is done.
    const id = await player.request(PEOPLE.morgan, {
      person: PEOPLE.jane,
      reason: 'role_change',
      successor: PEOPLE.taylor,
      ticket: 'HR-3',
      disposition: 'delete_now',
    });
    await player.click(PEOPLE.alex, 'approve', id);
    await eventually(async () => (await store.mustGet(id)).status === 'completed', 30_000, 'the offboarding completed');
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    const [digest] = digests(stack);
    const jane = (digest!.blocks as Block[]).find((b) => b.text?.text.includes('jane.doe@acme.example'));
    expect(jane?.text?.text).toContain(`offboarding done (${id})`);
    expect(jane?.accessory).toBeUndefined();
  });

  it('says "Nothing new" for an unchanged account at most once a week', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    const redis = new Redis(stack.config.redisUrl);
    closers.push(() => redis.quit());
    const nothingNew = () => stack.slack.messages(APPROVAL_CHANNEL).filter((m) => m.text.startsWith('Nothing new') && m.text.includes(ACME_PRODUCTION));
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    // Eight days later, as far as the sweep remembers.
    await redis.hset(sweepKeys(new Keys(stack.config.redisPrefix))(`account:${ACME_PRODUCTION}`), 'nothingNewAt', String(Date.now() - 8 * 86_400_000));
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    expect(nothingNew()).toHaveLength(1);
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    expect(nothingNew()).toHaveLength(1);
    expect(digests(stack)).toHaveLength(1);
  });

  it('escapes names from IBM Cloud: a service ID named like a mention or a link stays text', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    stack.ibm.createServiceId({ accountId: ACME_PRODUCTION, name: '<!channel> <https://evil.example|click> & co', createdBy: SIM_IAM_IDS.alex });
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    const text = JSON.stringify(digests(stack)[0]!.blocks);
    expect(text).toContain('&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; co');
    expect(text).not.toContain('<!channel>');
  });

  it('runs on OFFBOARD_SWEEP_CRON in OFFBOARD_SWEEP_TZ, and not at all when it is unset', async () => {
    const scheduled = await start({ env: { ...SWEEP_ENV, OFFBOARD_SWEEP_CRON: '0 7 * * 1', OFFBOARD_SWEEP_TZ: 'Europe/Berlin' } });
    expect(await sweepQueue(scheduled.stack).getJobScheduler(SWEEP_SCHEDULER)).toMatchObject({ pattern: '0 7 * * 1', tz: 'Europe/Berlin' });
    const unscheduled = await start({ env: SWEEP_ENV });
    expect(await sweepQueue(unscheduled.stack).getJobScheduler(SWEEP_SCHEDULER)).toBeUndefined();
  });
});

/** The simulator's record of IAM's activity-report calls for one account, in order: the asks (POST) and the reads (GET). */
function reportCalls(stack: LocalStack, account: string) {
  const path = `/v1/activity/accounts/${account}/report`;
  const calls = stack.ibm.requests.filter((r) => r.path === path || r.path.startsWith(`${path}/`));
  return calls.map((r) => ({ method: r.method, status: r.status, reference: r.path.slice(path.length + 1), at: Date.parse(r.at) }));
}

describe('reading a report IAM is still generating: waits that double, a bound, and asking again', () => {
  it('waits twice as long before each further read of a report still generating', async () => {
    const { stack, player } = await start({ env: { OFFBOARD_SWEEP_POLL_MS: '300' } });
    const queue = sweepQueue(stack);
    // Ready after the 3rd read (2.1 s after the ask) and before the 4th (4.5 s): read 4 times.
    stack.ibm.setReportGeneration(4_000);
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    const calls = reportCalls(stack, ACME_PRODUCTION);
    expect(calls.map((c) => [c.method, c.status])).toEqual([
      ['POST', 202],
      ['GET', 204],
      ['GET', 204],
      ['GET', 204],
      ['GET', 200],
    ]);
    const waits = calls.slice(1).map((c, n) => c.at - calls[n]!.at);
    // Each wait is at least its due (300 ms doubled each time) and well short of the next one's.
    waits.forEach((wait, n) => {
      expect(wait).toBeGreaterThanOrEqual(300 * 2 ** n);
      expect(wait).toBeLessThan(300 * 2 ** (n + 1));
    });
    expect(digests(stack)).toHaveLength(1);
  });

  it(`gives up after ${SWEEP_MAX_POLLS} reads of a report that never finishes: the channel is told, no digest, nothing left queued`, async () => {
    // 1 ms doubling: the twelve waits take about 4 s in all.
    const { stack, player } = await start({ env: { OFFBOARD_SWEEP_POLL_MS: '1' } });
    const queue = sweepQueue(stack);
    stack.ibm.setReportGeneration(3_600_000);
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    for (const account of [ACME_PRODUCTION, ACME_STAGING]) {
      const calls = reportCalls(stack, account);
      expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1);
      expect(calls.filter((c) => c.method === 'GET').map((c) => c.status)).toEqual(Array(SWEEP_MAX_POLLS).fill(204));
      expect(digests(stack, account)).toHaveLength(0);
      const told = stack.slack.messages(APPROVAL_CHANNEL).filter((m) => m.text.includes(`sweep of IBM Cloud account ${account} failed`));
      expect(told.map((m) => m.text)).toEqual([expect.stringContaining(`not ready after ${SWEEP_MAX_POLLS} reads`)]);
    }
    // Given up for good: no read is left waiting to happen.
    const reads = stack.ibm.requests.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(stack.ibm.requests.length).toBe(reads);
    expect(await queueIsEmpty(queue)).toBe(true);
  });

  it('asks for the report again when someone else replaced it (404 for ours), and posts the digest of the new one', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    stack.ibm.setReportGeneration(60_000);
    await sweep(stack, player, PEOPLE.alex);
    await eventually(async () => reportCalls(stack, ACME_PRODUCTION).some((c) => c.method === 'GET' && c.status === 204), 10_000, 'our report read once');
    // Someone else asks IAM for the account's report: IAM keeps only the latest, so ours is unknown now.
    stack.ibm.fileReport(ACME_PRODUCTION, { readyInMs: 60_000 });
    await eventually(async () => reportCalls(stack, ACME_PRODUCTION).filter((c) => c.method === 'POST').length === 2, 10_000, 'the report asked for again');
    stack.ibm.setReportGeneration(0);
    await swept(queue);

    const calls = reportCalls(stack, ACME_PRODUCTION);
    const [first, second] = calls.filter((c) => c.method === 'POST').map((c) => calls.indexOf(c));
    const ours = calls[first! + 1]!.reference;
    // Before the second ask, our reference was read until IAM no longer knew it; after it, only the new one.
    expect(calls.slice(first! + 1, second).map((c) => [c.reference, c.status])).toEqual([...Array(second! - first! - 2).fill([ours, 204]), [ours, 404]]);
    const after = calls.slice(second! + 1);
    expect(after.at(-1)).toMatchObject({ method: 'GET', status: 200 });
    expect(after.every((c) => c.method === 'GET' && c.reference !== ours)).toBe(true);
    expect(digests(stack)).toHaveLength(1);
    expect(stack.slack.messages(APPROVAL_CHANNEL).filter((m) => m.text.includes('failed'))).toEqual([]);
  });
});

/** Slower than Slack waits for an answer. */
const SLOW_MS = 4_000;

/** With every Slack call slow, the interaction is answered within Slack's 3 s, before `firstCall` is made. */
async function answeredBefore(stack: LocalStack, firstCall: string, send: () => Promise<SlackResponse>) {
  stack.slack.delay('*', SLOW_MS);
  const before = stack.slack.calls.length;
  const sentAt = Date.now();
  const res = await send();
  const answeredAt = Date.now();
  expect(res.status).toBe(200);
  expect(answeredAt - sentAt).toBeLessThan(3_000);
  await stack.bot.settled();
  stack.slack.delay('*', 0);
  const made = stack.slack.calls.slice(before).filter((c) => c.method === firstCall);
  expect(made.length).toBeGreaterThan(0);
  for (const c of made) expect(c.at).toBeGreaterThanOrEqual(answeredAt);
}

describe("the sweep's command and buttons, while Slack is slow, are answered first", () => {
  it('/offboard sweep, Offboard and Disable: answered, then Slack is asked', async () => {
    const { stack, player } = await start({ env: SWEEP_ENV });
    const queue = sweepQueue(stack);
    await sweep(stack, player, PEOPLE.alex);
    await swept(queue);
    const [digest] = digests(stack);
    const janeRow = (digest!.blocks as Block[]).find((b) => b.accessory?.action_id === SWEEP_ACTIONS.offboard)!;
    await answeredBefore(stack, 'users.lookupByEmail', () => click(stack, PEOPLE.morgan, digest!, janeRow));
    await new Promise((r) => setTimeout(r, 3_100)); // the approvers' group is read again after 3 s
    await answeredBefore(stack, 'usergroups.users.list', () => click(stack, PEOPLE.alex, digest!, rowOf(digest!, SIM_NHI_IDS.ciPipelineKey)));
    await new Promise((r) => setTimeout(r, 3_100));
    await answeredBefore(stack, 'usergroups.users.list', () =>
      stack.events.slashCommand({ command: COMMAND, text: 'sweep', userId: PEOPLE.riley, channelId: GENERAL_CHANNEL }),
    );
  }, 60_000);
});
