import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { FormAnswers } from '../../app/demo/request-form-values.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { startOffboardBot } from '../../app/offboard-bot.js';
import { createLogger } from '../../src/logger.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { rotationTasks } from '../../src/runs/handed-over.js';
import { runView } from '../../src/runs/run-view.js';
import { eventsOf, eventually, finishedTrail, readTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

const SHORT = { OFFBOARD_ROTATION_REMIND_AFTER: '1s', OFFBOARD_ROTATION_TELL_REQUESTER_AFTER: '3s' };

const janeLeaves = (over: Partial<FormAnswers>): FormAnswers => ({
  person: PEOPLE.jane,
  reason: 'resignation',
  disposition: 'disable_then_delete',
  graceDays: '30',
  successor: PEOPLE.taylor,
  ticket: 'HR-ROTATE',
  created: 'hand_over',
  ...over,
});

/** The rotation reminders of the request still waiting to fire. */
async function waitingReminders(stack: LocalStack, id: string): Promise<string[]> {
  const connection = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.pending, { connection, prefix: stack.config.redisPrefix });
  try {
    return (await queue.getJobs(['delayed', 'waiting', 'active'])).map((j) => String(j.id)).filter((j) => j.startsWith(`rotation.${id}.`));
  } finally {
    await queue.close();
    await connection.quit();
  }
}

const remindersTo = (stack: LocalStack, userId: string) =>
  stack.slack
    .messages(userId)
    .filter((m) => m.text.includes('still need'))
    .map((m) => m.text);

describe('reminders of open rotation tasks', () => {
  it('remind the successor with the open tasks, tell the requester after the second interval, and stop once every task is closed', async () => {
    const { stack, player } = await start({ env: SHORT });
    const id = await player.request(PEOPLE.morgan, janeLeaves({}));
    await player.click(PEOPLE.alex, 'approve', id);
    const tasks = rotationTasks(runView(await finishedTrail(stack, id)));
    expect(tasks).toHaveLength(3);

    // The successor, by direct message, with every open task named by its id.
    const first = await stack.slack.waitFor(() => remindersTo(stack, PEOPLE.taylor)[0], { timeoutMs: 10_000 });
    expect(first).toContain(`3 credentials handed over to you from Jane Doe (*${id}*) still need rotating`);
    for (const t of tasks) expect(first).toContain(t.id);

    // The requester, once, after the second interval.
    const told = await stack.slack.waitFor(() => stack.slack.messages(PEOPLE.morgan).find((m) => m.text.includes('still not rotated')), { timeoutMs: 10_000 });
    expect(told.text).toContain(`(*${id}*) are still not rotated 3 s after the hand-over to <@${PEOPLE.taylor}>`);

    // One closed: the next reminder lists the two left.
    await player.rotation(PEOPLE.taylor, 'rotatedMyself', id, tasks[0]!.code);
    await stack.slack.waitFor(() => remindersTo(stack, PEOPLE.taylor).at(-1)?.includes('2 credentials handed over'), { timeoutMs: 10_000 });
    expect(remindersTo(stack, PEOPLE.taylor).at(-1)).not.toContain(tasks[0]!.id);

    for (const t of tasks.slice(1)) await player.rotation(PEOPLE.taylor, 'rotatedMyself', id, t.code);
    // The reminder that fires next finds nothing open: it says nothing and arms no other.
    await eventually(async () => (await waitingReminders(stack, id)).length === 0, 10_000, 'no rotation reminder waiting');
    const said = remindersTo(stack, PEOPLE.taylor).length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(remindersTo(stack, PEOPLE.taylor)).toHaveLength(said);
    expect(await waitingReminders(stack, id)).toEqual([]);
    expect(stack.slack.messages(PEOPLE.morgan).filter((m) => m.text.includes('still not rotated'))).toHaveLength(1);
    // The trail states each reminder, to whom, and what was still open.
    const reminded = eventsOf(await readTrail(stack, id), 'rotation.reminded');
    expect(reminded.filter((e) => e.to === 'requester')).toHaveLength(1);
    expect(reminded.filter((e) => e.to === 'successor').length).toBe(said);
    expect([...reminded[0]!.itemIds].sort()).toEqual(tasks.map((t) => t.id).sort());
  });

  it('with no successor in Slack, remind the approvers in the request thread instead', async () => {
    const { stack, player } = await start({ env: SHORT });
    const id = await player.request(PEOPLE.morgan, janeLeaves({ successor: undefined, disposition: 'delete_now', graceDays: undefined, created: 'delete' }));
    await player.click(PEOPLE.alex, 'approve', id);
    const tasks = rotationTasks(runView(await finishedTrail(stack, id)));
    expect(tasks.length).toBeGreaterThan(0);
    const thread = () => stack.slack.thread(APPROVAL_CHANNEL, player.approvalMessage(id)!.ts).map((m) => m.text);
    const alert = await stack.slack.waitFor(() => thread().find((t) => t.includes('names no successor in Slack')), { timeoutMs: 10_000 });
    expect(alert).toContain(`rotation task${tasks.length === 1 ? '' : 's'} of *${id}* (Jane Doe)`);
    for (const t of tasks) expect(alert).toContain(t.id);
  });

  it('survive a restart: the reminders are delayed jobs in Redis, taken by the next process', async () => {
    const { stack, player } = await start({ env: { OFFBOARD_ROTATION_REMIND_AFTER: '3s', OFFBOARD_ROTATION_TELL_REQUESTER_AFTER: '1d' } });
    const id = await player.request(PEOPLE.morgan, janeLeaves({}));
    await player.click(PEOPLE.alex, 'approve', id);
    await finishedTrail(stack, id);
    await eventually(async () => (await waitingReminders(stack, id)).includes(`rotation.${id}.remind.1`), 10_000, 'the first reminder armed');
    await stack.bot.stop();
    expect(remindersTo(stack, PEOPLE.taylor)).toEqual([]);

    const next = await startOffboardBot(stack.config, { logger: createLogger('silent') });
    try {
      await stack.slack.waitFor(() => remindersTo(stack, PEOPLE.taylor)[0], { timeoutMs: 15_000 });
      expect(eventsOf(await readTrail(stack, id), 'rotation.reminded')).toEqual([expect.objectContaining({ to: 'successor', reminder: 1 })]);
    } finally {
      await next.stop();
    }
  });
});
