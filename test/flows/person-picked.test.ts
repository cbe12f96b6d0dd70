import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { requestFormValues, type FormAnswers } from '../../app/demo/request-form-values.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { COMMAND, FIELDS, inputAction, VIEWS } from '../../src/slack/blocks/ids.js';
import { useStack } from '../support/stack.js';

const start = useStack();

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** Slower than Slack waits for an answer: a submission that had to ask Slack could not be answered in time. */
const SLOW_SLACK_MS = 4_000;

const janeLeaves: FormAnswers = { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-1042' };

/** As in production: the answer goes out the moment a listener acknowledges. */
const startAnsweringAtAck = () => start({ processBeforeResponse: false });

async function storedRequests(stack: LocalStack): Promise<string[]> {
  const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
  closers.push(() => redis.quit());
  return redis.keys(`${stack.config.redisPrefix}:request:*`);
}

async function openForm(stack: LocalStack, userId: string, text = '') {
  await stack.events.slashCommand({ command: COMMAND, text, userId, channelId: GENERAL_CHANNEL });
  return stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'open' && v.userId === userId));
}

const pick = (stack: LocalStack, userId: string, view: { id: string; view: Record<string, unknown> }, block: string, picked: string) =>
  stack.events.blockAction({ userId, actionId: inputAction(block), blockId: block, value: picked, view: { ...view.view, id: view.id } });

const lookedUp = (stack: LocalStack) => stack.slack.callsTo('users.info').map((c) => String(c.args.user));

async function untilLookedUp(stack: LocalStack, ids: string[]) {
  await stack.slack.waitFor(() => ids.every((id) => stack.slack.callsTo('users.info').some((c) => c.args.user === id && c.ok)));
  // Slack has answered; the bot keeps each answer once it has also shared it through Redis, which a busy machine makes later.
  await stack.bot.settled();
}

/** The modal as Slack shows it once the bot has updated it. */
async function shownIn(stack: LocalStack, viewId: string) {
  return (await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'update' && v.id === viewId), { timeoutMs: 10_000 })).view;
}

async function timedSubmission(stack: LocalStack, userId: string, viewId: string, answers: FormAnswers) {
  const t0 = Date.now();
  const res = await stack.events.viewSubmission({ userId, view: { id: viewId, callback_id: VIEWS.request }, values: requestFormValues(answers) });
  return { res, ms: Date.now() - t0 };
}

describe('people picked in the request form', () => {
  it('the form asks Slack to send each pick of a person, so the bot hears of it before the submission', async () => {
    const { stack } = await startAnsweringAtAck();
    const form = await openForm(stack, PEOPLE.morgan);
    const blocks = form.view.blocks as { block_id?: string; dispatch_action?: boolean }[];
    const dispatching = blocks.filter((b) => b.dispatch_action).map((b) => b.block_id);
    expect(dispatching).toEqual([FIELDS.person, FIELDS.successor]);
  });

  it('are looked up when picked, and the submission is then answered without waiting on Slack, however slow Slack has become', async () => {
    const { stack } = await startAnsweringAtAck();
    const form = await openForm(stack, PEOPLE.morgan);
    expect((await pick(stack, PEOPLE.morgan, form, FIELDS.person, PEOPLE.jane)).status).toBe(200);
    expect((await pick(stack, PEOPLE.morgan, form, FIELDS.successor, PEOPLE.taylor)).status).toBe(200);
    await untilLookedUp(stack, [PEOPLE.morgan, PEOPLE.jane, PEOPLE.taylor]);
    const asked = lookedUp(stack).length;
    stack.slack.delay('users.info', SLOW_SLACK_MS);

    const { res, ms } = await timedSubmission(stack, PEOPLE.morgan, form.id, janeLeaves);

    expect(ms).toBeLessThan(1_000);
    expect(res.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Sending…' } } });
    expect((await shownIn(stack, form.id)).title).toEqual(expect.objectContaining({ text: 'Request sent' }));
    expect(lookedUp(stack)).toHaveLength(asked);
    expect(await storedRequests(stack)).toHaveLength(1);
    const approval = await stack.slack.waitFor(() => stack.slack.messages(APPROVAL_CHANNEL)[0]);
    expect(approval.text).toContain('Jane Doe');
  });

  it('a picked bot is refused in the modal from what the pick learned, in time, and nothing is stored or announced', async () => {
    const { stack } = await startAnsweringAtAck();
    const form = await openForm(stack, PEOPLE.morgan);
    await pick(stack, PEOPLE.morgan, form, FIELDS.person, PEOPLE.deployBot);
    await pick(stack, PEOPLE.morgan, form, FIELDS.successor, PEOPLE.taylor);
    await untilLookedUp(stack, [PEOPLE.morgan, PEOPLE.deployBot, PEOPLE.taylor]);
    stack.slack.delay('users.info', SLOW_SLACK_MS);

    const { res, ms } = await timedSubmission(stack, PEOPLE.morgan, form.id, { ...janeLeaves, person: PEOPLE.deployBot });

    expect(ms).toBeLessThan(1_000);
    expect(res.json).toEqual({ response_action: 'errors', errors: { [FIELDS.person]: 'Deploy Bot is a bot or app, not a person.' } });
    expect(await storedRequests(stack)).toEqual([]);
    expect(stack.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('the person named in `/offboard @person` and the requester are looked up as the form opens', async () => {
    const { stack } = await startAnsweringAtAck();
    const form = await openForm(stack, PEOPLE.morgan, `<@${PEOPLE.jane}>`);
    await untilLookedUp(stack, [PEOPLE.morgan, PEOPLE.jane]);
    await pick(stack, PEOPLE.morgan, form, FIELDS.successor, PEOPLE.taylor);
    await untilLookedUp(stack, [PEOPLE.taylor]);
    stack.slack.delay('users.info', SLOW_SLACK_MS);

    const { res, ms } = await timedSubmission(stack, PEOPLE.morgan, form.id, janeLeaves);

    expect(ms).toBeLessThan(1_000);
    expect(res.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Sending…' } } });
    expect((await shownIn(stack, form.id)).title).toEqual(expect.objectContaining({ text: 'Request sent' }));
    expect(lookedUp(stack).sort()).toEqual([PEOPLE.jane, PEOPLE.morgan, PEOPLE.taylor].sort());
  });

  it('a lookup that failed at the pick is asked again by the submission, which still stores one request', async () => {
    const { stack } = await startAnsweringAtAck();
    const form = await openForm(stack, PEOPLE.morgan);
    await untilLookedUp(stack, [PEOPLE.morgan]);
    // The bot's Slack client does not retry: the pick's one lookup fails.
    stack.slack.rateLimit('users.info', 1, 0);
    await pick(stack, PEOPLE.morgan, form, FIELDS.person, PEOPLE.jane);
    await stack.slack.waitFor(() => stack.slack.callsTo('users.info').some((c) => c.args.user === PEOPLE.jane && !c.ok));

    const { res } = await timedSubmission(stack, PEOPLE.morgan, form.id, janeLeaves);

    // Jane was not known when the form came in: checked with Slack after the answer, then stored.
    expect(res.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Checking…' } } });
    expect((await shownIn(stack, form.id)).title).toEqual(expect.objectContaining({ text: 'Request sent' }));
    expect(stack.slack.callsTo('users.info').filter((c) => c.args.user === PEOPLE.jane && c.ok)).toHaveLength(1);
    expect(await storedRequests(stack)).toHaveLength(1);
  });

  it('a pick that is not a Slack user id is acknowledged and ignored: nobody is looked up, nothing is stored', async () => {
    const { stack } = await startAnsweringAtAck();
    const form = await openForm(stack, PEOPLE.morgan);
    await untilLookedUp(stack, [PEOPLE.morgan]);
    const asked = lookedUp(stack).length;

    const res = await pick(stack, PEOPLE.morgan, form, FIELDS.person, '../../admin');

    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(lookedUp(stack)).toHaveLength(asked);
    expect(await storedRequests(stack)).toEqual([]);
    expect(stack.slack.callsTo('chat.postMessage')).toEqual([]);
  });
});
