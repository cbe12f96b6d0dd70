import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { startOffboardBot } from '../../app/offboard-bot.js';
import { createLogger } from '../../src/logger.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { ephemeralsFor, eventsOf, eventually, readTrail, storedStatus } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

const janeLeaves = { person: PEOPLE.jane, reason: 'resignation' as const, successor: PEOPLE.taylor, ticket: 'HR-6' };

/** Ids of the follow-up jobs of the request still waiting to fire. */
async function waitingFollowUps(stack: LocalStack, id: string): Promise<string[]> {
  const connection = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.pending, { connection, prefix: stack.config.redisPrefix });
  try {
    return (await queue.getJobs(['delayed', 'waiting']))
      .map((j) => String(j.id))
      .filter((j) => j.startsWith(id))
      .sort();
  } finally {
    await queue.close();
    await connection.quit();
  }
}

const dmsTo = (stack: LocalStack, userId: string, id: string) =>
  stack.slack
    .messages(userId)
    .filter((m) => m.text.includes(id))
    .map((m) => m.text);

describe('a request nobody decides', () => {
  it('reminds the approvers (each wait twice the one before), escalates, then expires, telling the requester at each step', async () => {
    const { stack, player } = await start({
      env: { OFFBOARD_REMIND_AFTER: '1s', OFFBOARD_ESCALATE_AFTER: '2s', OFFBOARD_ESCALATION: 'S0SECURE', OFFBOARD_EXPIRE_AFTER: '5s' },
      extraUsergroups: { S0SECURE: [PEOPLE.dana] },
    });
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    expect(await waitingFollowUps(stack, id)).toEqual([`${id}.escalate`, `${id}.expire`, `${id}.remind.1`].sort());

    await eventually(async () => (await storedStatus(stack, id)) === 'expired', 15_000, `${id} expired`);
    const trail = await readTrail(stack, id);
    // At 1 s and 3 s; a third would come at 7 s, after the expiry.
    expect(eventsOf(trail, 'request.reminded').map((e) => e.reminder)).toEqual([1, 2]);
    expect(eventsOf(trail, 'request.escalated')).toEqual([expect.objectContaining({ to: 'S0SECURE' })]);
    expect(eventsOf(trail, 'request.expired')).toEqual([expect.objectContaining({ afterMs: 5000 })]);

    await stack.slack.waitFor(() => dmsTo(stack, PEOPLE.morgan, id).some((t) => t.includes('expired')));
    const told = dmsTo(stack, PEOPLE.morgan, id);
    expect(told.filter((t) => t.includes('the approvers were reminded'))).toHaveLength(2);
    expect(told.filter((t) => t.includes('it was escalated to <!subteam^S0SECURE>'))).toHaveLength(1);
    expect(told.filter((t) => t.includes('expired: nobody decided within 5 s'))).toHaveLength(1);
    const thread = stack.slack.thread(APPROVAL_CHANNEL, player.approvalMessage(id)!.ts).map((m) => m.text);
    expect(thread.filter((t) => t.includes(`Reminder: request *${id}*`))).toHaveLength(2);
    expect(stack.slack.messages(APPROVAL_CHANNEL).some((m) => m.text.startsWith('<!subteam^S0SECURE>') && m.text.includes(id))).toBe(true);
    await stack.slack.waitFor(() => player.approvalMessage(id)?.text.includes('(expired)'));
    expect(await waitingFollowUps(stack, id)).toEqual([]);

    // Expired is closed: an approval changes nothing.
    await player.click(PEOPLE.alex, 'approve', id);
    expect(ephemeralsFor(stack, PEOPLE.alex).map((e) => e.text)).toEqual([`Request ${id} was already expired; nothing changed.`]);
    expect(eventsOf(await readTrail(stack, id), 'run.planned')).toEqual([]);
  });

  it('once decided, its follow-ups are removed and nothing more is said', async () => {
    const { stack, player } = await start({ env: { OFFBOARD_REMIND_AFTER: '1s', OFFBOARD_EXPIRE_AFTER: '2s' } });
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    expect(await waitingFollowUps(stack, id)).toEqual([`${id}.expire`, `${id}.remind.1`].sort());
    await player.click(PEOPLE.alex, 'approve', id);
    expect(await waitingFollowUps(stack, id)).toEqual([]);

    await new Promise((r) => setTimeout(r, 2500));
    const trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'request.reminded')).toEqual([]);
    expect(eventsOf(trail, 'request.expired')).toEqual([]);
    expect(await storedStatus(stack, id)).not.toBe('expired');
    expect(dmsTo(stack, PEOPLE.morgan, id).filter((t) => t.includes('reminded') || t.includes('expired'))).toEqual([]);
  });

  it('is followed up across a restart: the timers are jobs in Redis, taken by the next process', async () => {
    const { stack, player } = await start({ env: { OFFBOARD_REMIND_AFTER: '2s', OFFBOARD_EXPIRE_AFTER: '4s' } });
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    await stack.bot.stop();
    expect(await waitingFollowUps(stack, id)).toEqual([`${id}.expire`, `${id}.remind.1`].sort());

    const next = await startOffboardBot(stack.config, { logger: createLogger('silent') });
    try {
      await eventually(async () => (await storedStatus(stack, id)) === 'expired', 15_000, `${id} expired after the restart`);
      const trail = await readTrail(stack, id);
      expect(eventsOf(trail, 'request.reminded').map((e) => e.reminder)).toEqual([1]);
      expect(eventsOf(trail, 'request.expired')).toHaveLength(1);
    } finally {
      await next.stop();
    }
  });

  it('escalated to a channel, writes in that channel once, pointing to the approval channel, calls on no user group, and decides nothing', async () => {
    const { stack, player } = await start({ env: { OFFBOARD_ESCALATE_AFTER: '1s', OFFBOARD_ESCALATION: GENERAL_CHANNEL } });
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    expect(await waitingFollowUps(stack, id)).toEqual([`${id}.escalate`, `${id}.expire`, `${id}.remind.1`].sort());

    const escalation = await stack.slack.waitFor(() => stack.slack.messages(GENERAL_CHANNEL).find((m) => m.text.includes(id)));
    expect(escalation.text).toBe(
      `:rotating_light: Request *${id}* to offboard Jane Doe has waited 1 s without a decision; it is decided in <#${APPROVAL_CHANNEL}>.`,
    );
    await stack.slack.waitFor(() => dmsTo(stack, PEOPLE.morgan, id).some((t) => t.includes('escalated')));
    expect(dmsTo(stack, PEOPLE.morgan, id).filter((t) => t.includes('escalated'))).toEqual([
      `Your request *${id}* to offboard Jane Doe has waited 1 s without a decision: it was escalated to <#${GENERAL_CHANNEL}>.`,
    ]);
    expect(eventsOf(await readTrail(stack, id), 'request.escalated')).toEqual([expect.objectContaining({ to: GENERAL_CHANNEL })]);

    // Said once, in that channel only: no user group is called on, nothing about it in the approval
    // channel beyond the request itself, and the request still waits for a decision.
    expect(stack.slack.messages(GENERAL_CHANNEL).filter((m) => m.text.includes(id))).toHaveLength(1);
    const approvalChannel = [...stack.slack.messages(APPROVAL_CHANNEL), ...stack.slack.thread(APPROVAL_CHANNEL, player.approvalMessage(id)!.ts)];
    expect(approvalChannel.filter((m) => m.text.includes('rotating_light') || m.text.includes('<!subteam^'))).toEqual([]);
    expect(await storedStatus(stack, id)).toBe('pending');
    expect(await waitingFollowUps(stack, id)).toEqual([`${id}.expire`, `${id}.remind.1`].sort());
  });
});
