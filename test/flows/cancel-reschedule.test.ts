import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { FormAnswers } from '../../app/demo/request-form-values.js';
import type { SlackPlayer } from '../../app/demo/slack-player.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { startOffboardBot } from '../../app/offboard-bot.js';
import { createLogger } from '../../src/logger.js';
import { Keys } from '../../src/redis.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { ACME_PRODUCTION, JANE_EMAIL } from '../../src/simulators/ibm-cloud/index.js';
import { FIELDS, inputAction, VIEWS } from '../../src/slack/blocks/ids.js';
import {
  ephemeralsFor,
  eventsOf,
  eventually,
  finishedTrail,
  hasDecisionButtons,
  queueSnapshot,
  readTrail,
  storedRequest,
} from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

const RILEY = `<@${PEOPLE.riley}>`;
const ALEX = `<@${PEOPLE.alex}>`;

/** Writes to the stored request as a process of the bot would, and nothing else. */
async function patchRequest(stack: LocalStack, id: string, ...args: Parameters<RequestStore['patch']> extends [string, ...infer Rest] ? Rest : never) {
  const redis = new Redis(stack.config.redisUrl);
  try {
    const { applied } = await new RequestStore(redis, new Keys(stack.config.redisPrefix)).patch(id, ...args);
    expect(applied).toBe(true);
  } finally {
    redis.disconnect();
  }
}

/** The state of the request's scheduled start, if it has one. */
async function startJobState(stack: LocalStack, id: string): Promise<string | undefined> {
  const connection = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.runs, { connection, prefix: stack.config.redisPrefix });
  try {
    return await (await queue.getJob(`${id}.identify`))?.getState();
  } finally {
    await queue.close();
    await connection.quit();
  }
}

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

const inSeconds = (s: number) => Math.ceil(Date.now() / 1000) + s;
const janeLeaves = (over: Partial<FormAnswers> = {}): FormAnswers => ({
  person: PEOPLE.jane,
  reason: 'resignation',
  successor: PEOPLE.taylor,
  ticket: 'HR-5',
  ...over,
});
const messageText = (player: SlackPlayer, id: string) => JSON.stringify(player.approvalMessage(id)?.blocks ?? []);

/** The forms of `callbackId` opened for `userId`. */
const formsFor = (stack: LocalStack, userId: string, callbackId: string) =>
  stack.slack.views.filter((v) => v.kind === 'open' && v.userId === userId && v.view.callback_id === callbackId);

/** What the modal `viewId` shows last (its outcome after a submission). */
const lastShown = (stack: LocalStack, viewId: string) => JSON.stringify(stack.slack.views.filter((v) => v.id === viewId).at(-1)!.view);

/** Opens the Cancel form from the approval message and submits it with `reason`; returns the form's id. */
async function cancelAs(stack: LocalStack, player: SlackPlayer, userId: string, id: string, reason: string): Promise<string> {
  await player.click(userId, 'cancel', id);
  const form = formsFor(stack, userId, VIEWS.cancel).at(-1)!;
  await stack.events.viewSubmission({
    userId,
    view: { id: form.id, callback_id: VIEWS.cancel, private_metadata: form.view.private_metadata as string },
    values: { [FIELDS.cancelReason]: { [inputAction(FIELDS.cancelReason)]: { type: 'plain_text_input', value: reason } } },
  });
  await stack.bot.settled();
  return form.id;
}

async function rescheduleAs(stack: LocalStack, player: SlackPlayer, userId: string, id: string, at: number): Promise<string> {
  await player.click(userId, 'reschedule', id);
  const form = formsFor(stack, userId, VIEWS.reschedule).at(-1)!;
  await stack.events.viewSubmission({
    userId,
    view: { id: form.id, callback_id: VIEWS.reschedule, private_metadata: form.view.private_metadata as string },
    values: { [FIELDS.effectiveAt]: { [inputAction(FIELDS.effectiveAt)]: { type: 'datetimepicker', selected_date_time: at } } },
  });
  await stack.bot.settled();
  return form.id;
}

/** Nothing was planned or queued for the request and IBM Cloud was only read. */
async function expectNothingRan(stack: LocalStack, id: string) {
  const trail = await readTrail(stack, id);
  expect(eventsOf(trail, 'step.started')).toEqual([]);
  expect((await queueSnapshot(stack)).jobIds.filter((j) => j.startsWith(id))).toEqual([]);
  expect(stack.ibm.requests.filter((r) => r.method !== 'GET' && !r.path.startsWith('/identity/token'))).toEqual([]);
  expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeDefined();
}

describe('cancelling a request', () => {
  it('the requester cancels a pending request: the trail records who and why, the message says so, and Approve changes nothing', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves());
    const form = await cancelAs(stack, player, PEOPLE.morgan, id, 'Notice withdrawn');

    expect((await storedRequest(stack, id)).status).toBe('cancelled');
    expect(eventsOf(await readTrail(stack, id), 'request.cancelled')).toEqual([
      expect.objectContaining({ actor: PEOPLE.morgan, reason: 'Notice withdrawn', state: 'pending' }),
    ]);
    expect(lastShown(stack, form)).toContain('is cancelled; nothing will be removed');
    await stack.slack.waitFor(() => player.approvalMessage(id)?.text.includes('(cancelled)'));
    expect(messageText(player, id)).toContain('*Cancelled* by <@U0MORGAN1>');

    await player.click(PEOPLE.alex, 'approve', id);
    expect(ephemeralsFor(stack, PEOPLE.alex).map((e) => e.text)).toEqual([`Request ${id} was already cancelled; nothing changed.`]);
    expect(eventsOf(await readTrail(stack, id), 'request.approved')).toEqual([]);
    await expectNothingRan(stack, id);
  });

  it('an approver cancels an approved request waiting for its time: the scheduled run is removed, the requester is told, nothing is touched', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves({ timing: 'scheduled', effectiveAt: inSeconds(3600) }));
    await player.click(PEOPLE.alex, 'approve', id);
    expect((await queueSnapshot(stack)).jobIds).toContain(`${id}.identify`);
    await stack.slack.waitFor(() => messageText(player, id).includes('Cancel request'));

    await cancelAs(stack, player, PEOPLE.riley, id, 'Rehired');
    expect((await storedRequest(stack, id)).status).toBe('cancelled');
    expect(eventsOf(await readTrail(stack, id), 'request.cancelled')).toEqual([expect.objectContaining({ actor: PEOPLE.riley, state: 'scheduled' })]);
    expect((await queueSnapshot(stack)).jobIds.filter((j) => j.startsWith(id))).toEqual([]);
    await stack.slack.waitFor(() => stack.slack.messages(PEOPLE.morgan).some((m) => m.text.includes(`was cancelled by ${RILEY}: Rehired`)));
    await expectNothingRan(stack, id);
  });

  it('is refused once the run has started, with the reason, privately; a form opened before the start and submitted after cancels nothing', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves({ timing: 'scheduled', effectiveAt: inSeconds(2) }));
    await player.click(PEOPLE.alex, 'approve', id);
    // The form opens while the run waits for its time…
    await player.click(PEOPLE.morgan, 'cancel', id);
    const form = formsFor(stack, PEOPLE.morgan, VIEWS.cancel)[0]!;
    // …and is submitted after the run has started.
    await finishedTrail(stack, id);
    await eventually(async () => (await storedRequest(stack, id)).status === 'completed', 15_000, 'the run completed');
    await stack.events.viewSubmission({
      userId: PEOPLE.morgan,
      view: { id: form.id, callback_id: VIEWS.cancel, private_metadata: form.view.private_metadata as string },
      values: { [FIELDS.cancelReason]: { [inputAction(FIELDS.cancelReason)]: { type: 'plain_text_input', value: 'Too late' } } },
    });
    await stack.bot.settled();
    expect(lastShown(stack, form.id)).toContain(`${id} cannot be cancelled: it is completed, and its run has started.`);
    expect((await storedRequest(stack, id)).status).toBe('completed');
    expect(eventsOf(await readTrail(stack, id), 'request.cancelled')).toEqual([]);

    // The button is gone from the message, and a click from an old copy is refused before any form opens.
    expect(messageText(player, id)).not.toContain('Cancel request');
    await player.click(PEOPLE.riley, 'cancel', id);
    expect(ephemeralsFor(stack, PEOPLE.riley).map((e) => e.text)).toEqual([`:no_entry: ${id} cannot be cancelled: it is completed, and its run has started.`]);
    expect(formsFor(stack, PEOPLE.riley, VIEWS.cancel)).toEqual([]);
  });

  it('a cancellation a crash cut short after the status moved is finished when the same person cancels again, and by nobody else', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves({ timing: 'scheduled', effectiveAt: inSeconds(3600) }));
    await player.click(PEOPLE.alex, 'approve', id);
    await stack.slack.waitFor(() => messageText(player, id).includes('Cancel request'));
    // Riley's cancellation stored its status, then the process died: no trail record, the run still scheduled.
    const redis = new Redis(stack.config.redisUrl);
    try {
      const store = new RequestStore(redis, new Keys(stack.config.redisPrefix));
      const ended = { outcome: 'cancelled' as const, by: PEOPLE.riley, at: new Date().toISOString(), reason: 'Rehired', state: 'scheduled' };
      expect((await store.patch(id, { status: 'cancelled', ended }, ['approved'])).applied).toBe(true);
    } finally {
      redis.disconnect();
    }
    expect((await queueSnapshot(stack)).jobIds).toContain(`${id}.identify`);

    await player.click(PEOPLE.alex, 'cancel', id);
    expect(ephemeralsFor(stack, PEOPLE.alex).map((e) => e.text)).toEqual([expect.stringContaining(`${id} cannot be cancelled: it is cancelled`)]);
    expect(eventsOf(await readTrail(stack, id), 'request.cancelled')).toEqual([]);

    await cancelAs(stack, player, PEOPLE.riley, id, 'Said again');
    expect(eventsOf(await readTrail(stack, id), 'request.cancelled')).toEqual([
      expect.objectContaining({ actor: PEOPLE.riley, reason: 'Rehired', state: 'scheduled' }),
    ]);
    expect((await queueSnapshot(stack)).jobIds.filter((j) => j.startsWith(id))).toEqual([]);
    await stack.slack.waitFor(() => stack.slack.messages(PEOPLE.morgan).some((m) => m.text.includes(`was cancelled by ${RILEY}: Rehired`)));
    await stack.slack.waitFor(() => messageText(player, id).includes('*Cancelled* by'));
    expect(messageText(player, id)).not.toContain('Cancel request');
    await expectNothingRan(stack, id);
  });

  it('is refused to someone who is neither the requester nor an approver, and to the person leaving', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves());
    await player.click(PEOPLE.taylor, 'cancel', id);
    await player.click(PEOPLE.jane, 'cancel', id);
    expect(ephemeralsFor(stack, PEOPLE.taylor).map((e) => e.text)).toEqual([
      ':no_entry: Only the requester or an offboarding approver can cancel this request.',
    ]);
    expect(ephemeralsFor(stack, PEOPLE.jane).map((e) => e.text)).toEqual([':no_entry: You cannot cancel your own offboarding.']);
    expect(stack.slack.views.filter((v) => v.view.callback_id === VIEWS.cancel)).toEqual([]);
    expect((await storedRequest(stack, id)).status).toBe('pending');
    expect(eventsOf(await readTrail(stack, id), 'approval.refused').map((e) => [e.actor, e.action])).toEqual([
      [PEOPLE.taylor, 'cancel'],
      [PEOPLE.jane, 'cancel'],
    ]);
  });
});

describe('rescheduling a request', () => {
  it('the requester moves the time after a first approval: the approvals are asked again', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves({ reason: 'termination_for_cause', timing: 'scheduled', effectiveAt: inSeconds(3600) }));
    await player.click(PEOPLE.alex, 'approve', id);
    await stack.slack.waitFor(() => messageText(player, id).includes(`1 of 2 approvals: ${ALEX}`));

    const to = inSeconds(7200);
    const form = await rescheduleAs(stack, player, PEOPLE.morgan, id, to);
    expect(lastShown(stack, form)).toContain('is rescheduled; the approvers are asked again');
    expect((await storedRequest(stack, id)).effectiveAt).toBe(new Date(to * 1000).toISOString());
    expect(eventsOf(await readTrail(stack, id), 'request.rescheduled')).toEqual([
      expect.objectContaining({ actor: PEOPLE.morgan, to: new Date(to * 1000).toISOString() }),
    ]);
    await stack.slack.waitFor(() => messageText(player, id).includes(`${ALEX} approved it before it changed`));

    // Riley's approval is the first of the new time: one short still.
    await player.click(PEOPLE.riley, 'approve', id);
    expect(ephemeralsFor(stack, PEOPLE.riley).map((e) => e.text)).toEqual([expect.stringContaining('1 of 2 approvals: <@U0RILEY01>')]);
    expect((await storedRequest(stack, id)).status).toBe('pending');
    await player.click(PEOPLE.alex, 'approve', id);
    expect((await storedRequest(stack, id)).status).toBe('approved');
  });

  it('is the requester’s alone: an approver is refused and nothing changes', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves({ timing: 'scheduled', effectiveAt: inSeconds(3600) }));
    await player.click(PEOPLE.alex, 'approve', id);
    await player.click(PEOPLE.alex, 'reschedule', id);
    expect(ephemeralsFor(stack, PEOPLE.alex).map((e) => e.text)).toContain(
      ':no_entry: Only the requester, Morgan Manager, can reschedule this request; an approver can cancel it.',
    );
    expect(formsFor(stack, PEOPLE.alex, VIEWS.reschedule)).toEqual([]);
    const request = await storedRequest(stack, id);
    expect(request.status).toBe('approved');
    expect(request.reasked).toBeUndefined();
    expect(eventsOf(await readTrail(stack, id), 'request.rescheduled')).toEqual([]);
    expect((await queueSnapshot(stack)).jobIds).toContain(`${id}.identify`);
  });

  it('an approved request waiting for its time, rescheduled by the requester, asks the approvers again, and the old start never starts a run', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves({ timing: 'scheduled', effectiveAt: inSeconds(3) }));
    await player.click(PEOPLE.alex, 'approve', id);
    expect((await queueSnapshot(stack)).jobIds).toContain(`${id}.identify`);
    await stack.slack.waitFor(() => messageText(player, id).includes('Reschedule'));

    const to = inSeconds(3600);
    const form = await rescheduleAs(stack, player, PEOPLE.morgan, id, to);
    expect(lastShown(stack, form)).toContain('is rescheduled; the approvers are asked again');
    const request = await storedRequest(stack, id);
    expect(request).toMatchObject({ status: 'pending', effectiveAt: new Date(to * 1000).toISOString(), reasked: { count: 1 } });
    expect(request.decision).toBeUndefined();
    expect(eventsOf(await readTrail(stack, id), 'request.rescheduled')).toEqual([
      expect.objectContaining({ actor: PEOPLE.morgan, state: 'scheduled', to: new Date(to * 1000).toISOString() }),
    ]);
    // The scheduled start is gone, and the approvers are asked again: Approve is back, the thread says why, the reminders are armed anew.
    expect((await queueSnapshot(stack)).jobIds.filter((j) => j.startsWith(id))).toEqual([]);
    await stack.slack.waitFor(() => hasDecisionButtons(player.approvalMessage(id)?.blocks, id));
    const thread = () => stack.slack.thread(APPROVAL_CHANNEL, player.approvalMessage(id)!.ts).map((m) => m.text);
    await stack.slack.waitFor(() => thread().some((t) => t.includes('The earlier approval no longer counts; it needs approval again.')));
    expect(await waitingFollowUps(stack, id)).toEqual([`${id}.a1.expire`, `${id}.a1.remind.1`]);
    await stack.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks ?? []).includes('*Rescheduled* before its run started'));

    // Past the old time, nothing has started.
    await new Promise((r) => setTimeout(r, 4000));
    const trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'identities.found')).toEqual([]);
    expect(eventsOf(trail, 'step.started')).toEqual([]);
    expect((await storedRequest(stack, id)).runStartedAt).toBeUndefined();
    expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeDefined();

    // Approved again, for the new time: one start, waiting for it.
    await player.click(PEOPLE.riley, 'approve', id);
    expect((await storedRequest(stack, id)).status).toBe('approved');
    expect(await waitingFollowUps(stack, id)).toEqual([]);
    const runs = (await queueSnapshot(stack)).jobIds.filter((j) => j.startsWith(id));
    expect(runs).toEqual([`${id}.identify`]);
    // The trail keeps the voided plan and plans the run again for the new time.
    expect(eventsOf(await readTrail(stack, id), 'run.planned').map((e) => e.startsAt)).toEqual([
      new Date(request.reasked!.from!).toISOString(),
      new Date(to * 1000).toISOString(),
    ]);
    await stack.slack.waitFor(() => stack.slack.messages(PEOPLE.morgan).filter((m) => m.text.includes(`was approved by`) && m.text.includes(id)).length === 2);
  });

  it('is refused once the run has started, with the reason, and nothing changes', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves({ timing: 'scheduled', effectiveAt: inSeconds(2) }));
    await player.click(PEOPLE.alex, 'approve', id);
    await player.click(PEOPLE.morgan, 'reschedule', id);
    const form = formsFor(stack, PEOPLE.morgan, VIEWS.reschedule)[0]!;
    await eventually(async () => (await storedRequest(stack, id)).runStartedAt, 15_000, 'the run started');
    await stack.events.viewSubmission({
      userId: PEOPLE.morgan,
      view: { id: form.id, callback_id: VIEWS.reschedule, private_metadata: form.view.private_metadata as string },
      values: { [FIELDS.effectiveAt]: { [inputAction(FIELDS.effectiveAt)]: { type: 'datetimepicker', selected_date_time: inSeconds(3600) } } },
    });
    await stack.bot.settled();
    expect(lastShown(stack, form.id)).toMatch(
      new RegExp(`${id} cannot be rescheduled: it is (running|disabled, in its grace period|completed), and its run has started\\.`),
    );
    const request = await storedRequest(stack, id);
    expect(request.status).not.toBe('pending');
    expect(request.reasked).toBeUndefined();
    expect(eventsOf(await readTrail(stack, id), 'request.rescheduled')).toEqual([]);
  });

  it('cut short by a crash right after the request moved back to pending, is finished by the reconciler when the bot starts again', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves({ timing: 'scheduled', effectiveAt: inSeconds(2) }));
    await player.click(PEOPLE.alex, 'approve', id);
    await stack.bot.stop();
    // What the reschedule stores first, and nothing after.
    const from = (await storedRequest(stack, id)).effectiveAt;
    const to = new Date(inSeconds(3600) * 1000).toISOString();
    await patchRequest(stack, id, { status: 'pending', effectiveAt: to, reasked: { count: 1, at: new Date().toISOString(), from } }, ['approved'], {
      remove: ['decision'],
    });

    const restarted = await startOffboardBot(stack.config, { logger: createLogger('silent') });
    try {
      const trail = await eventually(async () => {
        const t = await readTrail(stack, id);
        return eventsOf(t, 'run.reconciled').length ? t : undefined;
      });
      expect(eventsOf(trail, 'run.reconciled').map((e) => e.action)).toEqual(['asked-again']);
      expect(eventsOf(trail, 'request.rescheduled')).toEqual([expect.objectContaining({ state: 'scheduled', from, to })]);
      expect(await startJobState(stack, id)).toBeUndefined();
      expect(await waitingFollowUps(stack, id)).toEqual([`${id}.a1.expire`, `${id}.a1.remind.1`]);
      // Past the old time, nothing has started.
      await new Promise((r) => setTimeout(r, 2500));
      expect(eventsOf(await readTrail(stack, id), 'identities.found')).toEqual([]);
      expect((await storedRequest(stack, id)).runStartedAt).toBeUndefined();
    } finally {
      await restarted.stop();
    }
  });

  it('a start left behind at the old time finds the run not due yet and waits for the new time, starting nothing', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves({ timing: 'scheduled', effectiveAt: inSeconds(2) }));
    await player.click(PEOPLE.alex, 'approve', id);
    // Approved again for a later time while the first start was still there (its removal lost).
    await patchRequest(stack, id, { effectiveAt: new Date(inSeconds(3600) * 1000).toISOString() }, ['approved']);

    // Past the old time: the start ran, and went back to waiting.
    await new Promise((r) => setTimeout(r, 3500));
    expect(await startJobState(stack, id)).toBe('delayed');
    expect((await storedRequest(stack, id)).runStartedAt).toBeUndefined();
    const trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'identities.found')).toEqual([]);
    expect(eventsOf(trail, 'step.started')).toEqual([]);
    expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeDefined();
  });
});
