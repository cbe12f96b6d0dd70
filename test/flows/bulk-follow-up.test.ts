import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { Keys } from '../../src/redis.js';
import type { OffboardRequest } from '../../src/requests/request.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { FIELDS, inputAction, VIEWS } from '../../src/slack/blocks/ids.js';
import { eventsOf, eventually, readTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

async function stored(stack: LocalStack): Promise<OffboardRequest[]> {
  const redis = new Redis(stack.config.redisUrl);
  try {
    return (await new RequestStore(redis, new Keys(stack.config.redisPrefix)).recentReadable(500)).requests.sort((a, b) => a.id.localeCompare(b.id));
  } finally {
    redis.disconnect();
  }
}

/** Ids of every follow-up job of a request waiting for a decision still waiting to fire (not rotation reminders). */
async function waitingFollowUps(stack: LocalStack): Promise<string[]> {
  const connection = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.pending, { connection, prefix: stack.config.redisPrefix });
  try {
    return (await queue.getJobs(['delayed', 'waiting']))
      .map((j) => String(j.id))
      .filter((j) => !j.startsWith('rotation.'))
      .sort();
  } finally {
    await queue.close();
    await connection.quit();
  }
}

/** Everything said in the approval channel, its threads included, each message once. */
function approvalChannelTexts(stack: LocalStack): string[] {
  const top = stack.slack.messages(APPROVAL_CHANNEL);
  const all = new Map([...top, ...top.flatMap((m) => stack.slack.thread(APPROVAL_CHANNEL, m.ts))].map((m) => [m.ts, m.text]));
  return [...all.values()];
}

const threeLeave = { person: PEOPLE.jane, others: [PEOPLE.chris, PEOPLE.pat], reason: 'resignation' as const, successor: PEOPLE.taylor, ticket: 'HR-9' };

describe('a bulk request nobody decides', () => {
  it('reminds the approvers once per reminder for all its people, naming the bulk request, and expires them all with one word to the requester', async () => {
    const { stack, player } = await start({ env: { OFFBOARD_REMIND_AFTER: '1s', OFFBOARD_EXPIRE_AFTER: '4s' } });
    await player.submitForm(PEOPLE.morgan, threeLeave);
    const requests = await eventually(async () => {
      const rs = await stored(stack);
      return rs.length === 3 && rs.every((r) => r.approvalMessage) ? rs : undefined;
    });
    const batch = requests[0]!.batch!.id;
    // One set of follow-ups for the bulk request, none per person.
    expect((await waitingFollowUps(stack)).filter((j) => !j.startsWith(batch))).toEqual([]);

    await eventually(async () => (await stored(stack)).every((r) => r.status === 'expired'), 15_000, 'everyone expired');
    for (const r of requests) {
      const trail = await readTrail(stack, r.id);
      // At 1 s and 3 s; a third would come at 7 s, after the expiry.
      expect(eventsOf(trail, 'request.reminded').map((e) => e.reminder)).toEqual([1, 2]);
      expect(eventsOf(trail, 'request.expired')).toHaveLength(1);
    }

    await stack.slack.waitFor(() => stack.slack.messages(PEOPLE.morgan).some((m) => m.text.includes('expired')));
    const reminders = approvalChannelTexts(stack).filter((t) => t.includes('Reminder:'));
    expect(reminders).toHaveLength(2);
    for (const t of reminders) {
      expect(t).toContain(`bulk request *${batch}* (3 people waiting: `);
      for (const name of ['Jane Doe', 'Chris Contractor', 'Pat Elsewhere']) expect(t).toContain(name);
    }
    const told = stack.slack.messages(PEOPLE.morgan).map((m) => m.text);
    expect(told.filter((t) => t.includes('the approvers were reminded'))).toHaveLength(2);
    expect(told.filter((t) => t.includes('expired'))).toEqual([expect.stringContaining(`Your bulk request *${batch}* (3 people expired:`)]);
    expect(await waitingFollowUps(stack)).toEqual([]);
  });

  it('once decided, the bulk request’s follow-ups are removed and nobody is reminded', async () => {
    const { stack, player } = await start({ env: { OFFBOARD_REMIND_AFTER: '1s', OFFBOARD_EXPIRE_AFTER: '3s' } });
    await player.submitForm(PEOPLE.morgan, threeLeave);
    const requests = await eventually(async () => {
      const rs = await stored(stack);
      return rs.length === 3 && rs.every((r) => r.approvalMessage) ? rs : undefined;
    });
    const batch = requests[0]!.batch!.id;
    expect(await waitingFollowUps(stack)).toEqual([`${batch}.expire`, `${batch}.remind.1`]);

    await player.click(PEOPLE.alex, 'approve', requests[1]!.id);
    expect(await waitingFollowUps(stack)).toEqual([]);
    await new Promise((r) => setTimeout(r, 3500));
    for (const r of requests) {
      const trail = await readTrail(stack, r.id);
      expect(eventsOf(trail, 'request.reminded')).toEqual([]);
      expect(eventsOf(trail, 'request.expired')).toEqual([]);
    }
    expect(approvalChannelTexts(stack).filter((t) => t.includes('Reminder:'))).toEqual([]);
    expect(stack.slack.messages(PEOPLE.morgan).filter((m) => m.text.includes('reminded') || m.text.includes('expired'))).toEqual([]);
  });

  it('one person of an approved bulk request, rescheduled before their run started, is asked again on their own; the others stay approved', async () => {
    const { stack, player } = await start();
    const at = Math.ceil(Date.now() / 1000) + 3600;
    await player.submitForm(PEOPLE.morgan, { ...threeLeave, others: [PEOPLE.chris], timing: 'scheduled', effectiveAt: at });
    const requests = await eventually(async () => {
      const rs = await stored(stack);
      return rs.length === 2 && rs.every((r) => r.approvalMessage) ? rs : undefined;
    });
    const [moved, kept] = requests;
    await player.click(PEOPLE.alex, 'approve', moved!.id);
    expect((await stored(stack)).map((r) => r.status)).toEqual(['approved', 'approved']);

    await player.click(PEOPLE.morgan, 'reschedule', moved!.id);
    const form = stack.slack.views.filter((v) => v.kind === 'open' && v.userId === PEOPLE.morgan && v.view.callback_id === VIEWS.reschedule).at(-1)!;
    await stack.events.viewSubmission({
      userId: PEOPLE.morgan,
      view: { id: form.id, callback_id: VIEWS.reschedule, private_metadata: form.view.private_metadata as string },
      values: { [FIELDS.effectiveAt]: { [inputAction(FIELDS.effectiveAt)]: { type: 'datetimepicker', selected_date_time: at + 3600 } } },
    });
    await stack.bot.settled();
    const after = await stored(stack);
    expect(after.find((r) => r.id === moved!.id)).toMatchObject({ status: 'pending', reasked: { count: 1 } });
    expect(after.find((r) => r.id === kept!.id)!.status).toBe('approved');
    // Followed up on their own, not as the bulk request.
    expect(await waitingFollowUps(stack)).toEqual([`${moved!.id}.a1.expire`, `${moved!.id}.a1.remind.1`]);

    await player.click(PEOPLE.riley, 'approve', moved!.id);
    expect((await stored(stack)).map((r) => r.status)).toEqual(['approved', 'approved']);
    expect(await waitingFollowUps(stack)).toEqual([]);
    expect(eventsOf(await readTrail(stack, kept!.id), 'request.approved')).toEqual([expect.objectContaining({ actor: PEOPLE.alex })]);
  });
});
