import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/demo/local-stack.js';
import { Keys } from '../../src/redis.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { PEOPLE, APPROVAL_CHANNEL } from '../../src/demo/workspace.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { eventsOf, readTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const ANSWERS = { person: PEOPLE.jane, reason: 'resignation' as const, successor: PEOPLE.taylor, ticket: 'HR-1042', disposition: 'delete_now' as const };

type Started = Awaited<ReturnType<typeof start>>;

/** Clicks a button of the checklist in the request's thread. */
async function clickChecklist({ stack, player }: Started, userId: string, action: keyof typeof ACTIONS, requestId: string) {
  const checklist = player.checklist(requestId);
  if (!checklist) throw new Error(`no checklist for ${requestId}`);
  const res = await stack.events.blockAction({ userId, actionId: ACTIONS[action], blockId: `checklist.${requestId}`, value: requestId, channel: APPROVAL_CHANNEL, messageTs: checklist.ts });
  await stack.bot.settled();
  return res;
}

/** The request's status as stored, polled until it is `want` (or the last one seen after `timeoutMs`). */
async function statusOf(stack: LocalStack, id: string, want?: string, timeoutMs = 20_000): Promise<string> {
  const redis = new Redis(stack.config.redisUrl);
  try {
    const store = new RequestStore(redis, new Keys(stack.config.redisPrefix));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { status } = await store.mustGet(id);
      if (!want || status === want || Date.now() > deadline) return status;
      await sleep(100);
    }
  } finally {
    await redis.quit();
  }
}

const buttonsOf = (started: Started, requestId: string) => JSON.stringify(started.player.checklist(requestId)?.blocks ?? []);

describe('getting the evidence pack', () => {
  it('stores the PDF, the JSON and the manifest together, and gives them to approvers and compliance, recording each download', async () => {
    const started = await start({ env: { OFFBOARD_COMPLIANCE: PEOPLE.taylor } });
    const { stack, player } = started;
    const id = await player.request(PEOPLE.morgan, ANSWERS);
    await player.click(PEOPLE.alex, 'approve', id);
    await player.evidence(id);
    await stack.slack.waitFor(() => buttonsOf(started, id).includes('Download evidence') || undefined);
    expect(stack.slack.files.map((f) => f.filename).filter((n) => n.includes(id)).sort()).toEqual([`offboarding-evidence-${id}.json`, `offboarding-evidence-${id}.pdf`]);

    await clickChecklist(started, PEOPLE.alex, 'downloadEvidence', id);
    const given = stack.slack.ephemerals.find((e) => e.user === PEOPLE.alex && e.text.includes('Evidence pack for'));
    expect(given?.text).toContain(`offboarding-evidence-${id}.json`);
    expect(given?.text).toContain('Unsigned');

    const res = await stack.events.slashCommand({ command: '/offboard', text: `report ${id}`, userId: PEOPLE.taylor, channelId: APPROVAL_CHANNEL });
    expect(res.status).toBe(200);
    await stack.bot.settled();
    expect(stack.slack.ephemerals.some((e) => e.user === PEOPLE.taylor && e.text.includes(`offboarding-evidence-${id}.pdf`))).toBe(true);

    const trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'evidence.downloaded').map((e) => [e.actor, e.via])).toEqual([
      [PEOPLE.alex, 'button'],
      [PEOPLE.taylor, 'command'],
    ]);
    expect(eventsOf(trail, 'request.approved')[0]?.approvers).toContain(PEOPLE.alex);
  });

  it('refuses a non-member, records the refusal, and gives them nothing', async () => {
    const started = await start();
    const { stack, player } = started;
    const id = await player.request(PEOPLE.morgan, ANSWERS);
    await player.click(PEOPLE.alex, 'approve', id);
    await player.evidence(id);
    await stack.slack.waitFor(() => buttonsOf(started, id).includes('Download evidence') || undefined);

    await clickChecklist(started, PEOPLE.taylor, 'downloadEvidence', id);
    await stack.events.slashCommand({ command: '/offboard', text: `report ${id}`, userId: PEOPLE.taylor, channelId: APPROVAL_CHANNEL });
    await stack.bot.settled();
    const toTaylor = stack.slack.ephemerals.filter((e) => e.user === PEOPLE.taylor);
    expect(toTaylor.map((e) => e.text)).toEqual([expect.stringContaining('Only offboarding approvers and compliance'), expect.stringContaining('Only offboarding approvers and compliance')]);
    expect(toTaylor.some((e) => e.text.includes('.json'))).toBe(false);
    const trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'evidence.refused').map((e) => [e.actor, e.via])).toEqual([
      [PEOPLE.taylor, 'button'],
      [PEOPLE.taylor, 'command'],
    ]);
    expect(eventsOf(trail, 'evidence.downloaded')).toEqual([]);
  });

  it('loses no report when every upload attempt fails: the request stays open, and Generate report recovers it', async () => {
    const started = await start({ env: { OFFBOARD_JOB_ATTEMPTS: '2' } });
    const { stack, player } = started;
    const id = await player.request(PEOPLE.morgan, ANSWERS);
    stack.slack.rateLimit('files.getUploadURLExternal', 2, 1);
    await player.click(PEOPLE.alex, 'approve', id);

    await stack.slack.waitFor(() => buttonsOf(started, id).includes('Generate report') || undefined, { timeoutMs: 30_000 });
    expect(stack.slack.files.filter((f) => f.filename.includes(id))).toEqual([]);
    expect(await statusOf(stack, id)).toBe('approved');
    expect(eventsOf(await readTrail(stack, id), 'report.published')).toEqual([]);

    // Not an approver nor in compliance: refused, and nothing is generated.
    await clickChecklist(started, PEOPLE.taylor, 'generateReport', id);
    expect(stack.slack.ephemerals.filter((e) => e.user === PEOPLE.taylor).map((e) => e.text)).toEqual([expect.stringContaining('Only offboarding approvers and compliance')]);
    await sleep(500);
    expect(stack.slack.files.filter((f) => f.filename.includes(id))).toEqual([]);

    await clickChecklist(started, PEOPLE.alex, 'generateReport', id);
    await player.evidence(id);
    expect(await statusOf(stack, id, 'completed')).toBe('completed');
    expect(eventsOf(await readTrail(stack, id), 'report.published')).toHaveLength(1);
  }, 60_000);
});
