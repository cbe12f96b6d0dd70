import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/demo/local-stack.js';
import { requestFormValues, type FormAnswers } from '../../src/demo/request-form-values.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, PEOPLE } from '../../src/demo/workspace.js';
import { COMMAND, FIELDS, inputAction, VIEWS } from '../../src/slack/blocks/ids.js';
import { eventsOf, readTrail, rejectModalsFor, submitRejectModal } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** Slack shows the person an error when an answer takes longer than this. */
const SLACK_LIMIT_MS = 3_000;
/** Slower than Slack waits: a check that needs it cannot finish before the answer. */
const SLOW_SLACK_MS = 4_000;

const janeLeaves: FormAnswers = { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-1042', notes: 'Last day Friday' };

/** As in production: the answer goes out the moment a listener acknowledges, not when it finishes. */
const startAnsweringAtAck = () => start({ processBeforeResponse: false });

async function storedRequests(stack: LocalStack): Promise<string[]> {
  const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
  closers.push(() => redis.quit());
  return redis.keys(`${stack.config.redisPrefix}:request:*`);
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  const value = await work;
  return { value, ms: Date.now() - t0 };
}

/** Opens the request form as Slack would, then submits these answers; returns the answer and the modal's id. */
async function submitOpenedForm(stack: LocalStack, userId: string, answers: FormAnswers) {
  await stack.events.slashCommand({ command: COMMAND, text: '', userId, channelId: GENERAL_CHANNEL });
  const opened = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'open' && v.userId === userId));
  const res = await timed(stack.events.viewSubmission({ userId, view: { id: opened.id, callback_id: VIEWS.request }, values: requestFormValues(answers) }));
  return { ...res, viewId: opened.id };
}

describe('a request submitted while Slack is slow to say who people are', () => {
  it('is answered within 3 s with "Checking…", then the modal shows the confirmation; one request is stored and announced', async () => {
    const { stack } = await startAnsweringAtAck();
    stack.slack.delay('users.info', SLOW_SLACK_MS);

    const { value: res, ms, viewId } = await submitOpenedForm(stack, PEOPLE.morgan, janeLeaves);

    expect(res.status).toBe(200);
    expect(ms).toBeLessThan(SLACK_LIMIT_MS);
    expect(res.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Checking…' } } });
    expect(JSON.stringify(res.json)).not.toContain('submit');

    const updated = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'update' && v.id === viewId), { timeoutMs: 15_000 });
    expect((updated.view.title as { text: string }).text).toBe('Request sent');
    const id = /OFF-[0-9A-Z]{6}/.exec(JSON.stringify(updated.view.blocks))?.[0];
    expect(id).toBeDefined();

    const approval = await stack.slack.waitFor(() => stack.slack.messages(APPROVAL_CHANNEL)[0], { timeoutMs: 15_000 });
    expect(approval.text).toContain(id);
    expect(await storedRequests(stack)).toEqual([`${stack.config.redisPrefix}:request:${id}`]);
    expect(eventsOf(await readTrail(stack, id!), 'request.submitted')).toHaveLength(1);
    await sleep(300);
    expect(stack.slack.messages(APPROVAL_CHANNEL)).toHaveLength(1);
    expect(stack.slack.views.filter((v) => v.id === viewId && v.kind === 'update')).toHaveLength(1);
  });

  it('with a deactivated person, shows the form again with the problem and every answer kept, and stores nothing', async () => {
    const { stack } = await startAnsweringAtAck();
    stack.slack.delay('users.info', SLOW_SLACK_MS);

    const { value: res, ms, viewId } = await submitOpenedForm(stack, PEOPLE.morgan, { ...janeLeaves, person: PEOPLE.gone });

    expect(ms).toBeLessThan(SLACK_LIMIT_MS);
    expect(res.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Checking…' } } });
    const updated = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'update' && v.id === viewId), { timeoutMs: 15_000 });
    expect(updated.view.callback_id).toBe(VIEWS.request);
    const text = JSON.stringify(updated.view.blocks);
    expect(text).toContain('Gene Gone is already deactivated in Slack.');
    const blocks = updated.view.blocks as { block_id?: string; element?: Record<string, unknown> }[];
    const element = (block: string) => blocks.find((b) => b.block_id === block)?.element;
    expect(element(FIELDS.person)?.initial_user).toBe(PEOPLE.gone);
    expect(element(FIELDS.successor)?.initial_user).toBe(PEOPLE.taylor);
    expect(element(FIELDS.ticket)?.initial_value).toBe('HR-1042');
    expect(element(FIELDS.notes)?.initial_value).toBe('Last day Friday');
    expect((element(FIELDS.reason)?.initial_option as { value: string }).value).toBe('resignation');

    expect(await storedRequests(stack)).toEqual([]);
    expect(stack.slack.messages(APPROVAL_CHANNEL)).toEqual([]);
    expect(stack.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('asks Slack nothing before answering, however quick Slack is: a person not looked up yet is checked after the answer, and the form comes back with the problem', async () => {
    const { stack } = await startAnsweringAtAck();
    stack.slack.delay('users.info', 200);

    const { value: res, ms, viewId } = await submitOpenedForm(stack, PEOPLE.morgan, { ...janeLeaves, person: PEOPLE.gone });

    expect(ms).toBeLessThan(SLACK_LIMIT_MS);
    expect(res.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Checking…' } } });
    const updated = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'update' && v.id === viewId), { timeoutMs: 15_000 });
    expect(JSON.stringify(updated.view.blocks)).toContain('Gene Gone is already deactivated in Slack.');
    // Each person is asked about once, though the checks start every lookup at once and then wait on each.
    expect(stack.slack.callsTo('users.info').map((c) => c.args.user).sort()).toEqual([PEOPLE.gone, PEOPLE.morgan, PEOPLE.taylor].sort());
    expect(await storedRequests(stack)).toEqual([]);
  });

  it('refuses what the form itself shows at once, in the modal, before Slack is asked about anyone', async () => {
    const { stack } = await startAnsweringAtAck();
    stack.slack.delay('users.info', SLOW_SLACK_MS);

    const { value: res, ms } = await submitOpenedForm(stack, PEOPLE.morgan, { ...janeLeaves, ticket: '' });

    expect(ms).toBeLessThan(1_000);
    expect(res.json).toEqual({ response_action: 'errors', errors: { [FIELDS.ticket]: 'Enter the ticket reference for this offboarding.' } });
    expect(stack.slack.callsTo('views.update')).toEqual([]);
    expect(await storedRequests(stack)).toEqual([]);
  });
});

describe('a reject reason submitted while Slack is slow to say who approves', () => {
  it('is answered within 3 s with "Rejecting…", then the modal shows the rejection', async () => {
    const { stack, player } = await startAnsweringAtAck();
    const id = await player.request(PEOPLE.morgan, janeLeaves, { awaitPreview: false });
    await player.click(PEOPLE.alex, 'reject', id);
    const modal = await stack.slack.waitFor(() => rejectModalsFor(stack, PEOPLE.alex)[0]);
    stack.slack.delay('usergroups.users.list', SLOW_SLACK_MS);

    const { value: res, ms } = await timed(submitRejectModal(stack, PEOPLE.alex, modal.id, 'Wrong person'));

    expect(ms).toBeLessThan(SLACK_LIMIT_MS);
    expect(res.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Reject offboarding' } } });
    const outcome = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'update' && v.id === modal.id), { timeoutMs: 15_000 });
    expect(JSON.stringify(outcome.view)).toContain(`Request *${id}* is rejected`);
    expect(eventsOf(await readTrail(stack, id), 'request.rejected')).toEqual([expect.objectContaining({ actor: PEOPLE.alex, reason: 'Wrong person' })]);
  });

  it('refuses an over-long reason in the modal before anything is asked of Slack', async () => {
    const { stack, player } = await startAnsweringAtAck();
    const id = await player.request(PEOPLE.morgan, janeLeaves, { awaitPreview: false });
    await player.click(PEOPLE.alex, 'reject', id);
    const modal = await stack.slack.waitFor(() => rejectModalsFor(stack, PEOPLE.alex)[0]);
    const listsBefore = stack.slack.callsTo('usergroups.users.list').length;

    const res = await stack.events.viewSubmission({
      userId: PEOPLE.alex,
      view: { id: modal.id, callback_id: VIEWS.reject },
      values: { [FIELDS.rejectReason]: { [inputAction(FIELDS.rejectReason)]: { type: 'plain_text_input', value: 'x'.repeat(1001) } } },
    });

    expect(res.json).toEqual({ response_action: 'errors', errors: { [FIELDS.rejectReason]: 'Keep the reason to 1000 characters or fewer.' } });
    expect(stack.slack.callsTo('usergroups.users.list')).toHaveLength(listsBefore);
    expect(eventsOf(await readTrail(stack, id), 'request.rejected')).toEqual([]);
  });
});
