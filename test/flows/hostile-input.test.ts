import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { requestFormValues, type FormAnswers } from '../../app/demo/request-form-values.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import type { Reason } from '../../src/requests/request.js';
import { SlackPayloads } from '../../src/simulators/slack/slack-payloads.js';
import { ACTIONS, COMMAND, FIELDS, VIEWS } from '../../src/slack/blocks/ids.js';
import { ephemeralsFor, eventually, eventsOf, readTrail, rejectModalsFor, submitRejectModal } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

const janeLeaves: FormAnswers = { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-1042' };
const CHOOSE_REASON = { response_action: 'errors', errors: { [FIELDS.reason]: 'Choose one of the listed reasons.' } };

function redisFor(stack: LocalStack) {
  const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
  closers.push(() => redis.quit());
  return redis;
}

const storedRequests = (stack: LocalStack) => redisFor(stack).keys(`${stack.config.redisPrefix}:request:*`);

/** The bot is still serving everyone: App Home renders for an approver. */
async function expectAppHomeRenders(stack: LocalStack) {
  const res = await stack.events.event({ type: 'app_home_opened', user: PEOPLE.riley, channel: 'D0RILEY01', tab: 'home' });
  expect(res.status).toBe(200);
  const published = await stack.slack.waitFor(() => stack.slack.callsTo('views.publish').find((c) => c.args.user_id === PEOPLE.riley));
  expect(published.ok).toBe(true);
}

/** Opens the request form and builds the signed body of one submission of it, to deliver as often as a test likes. */
async function formSubmissionBody(stack: LocalStack, userId: string, answers: FormAnswers, edit: (payload: Record<string, unknown>) => void = () => {}) {
  await stack.events.slashCommand({ command: COMMAND, text: '', userId, channelId: GENERAL_CHANNEL });
  const opened = await stack.slack.waitFor(() => stack.slack.views.filter((v) => v.kind === 'open' && v.userId === userId).at(-1));
  const payload = new SlackPayloads({ simulator: stack.slack }).viewSubmission({
    userId,
    view: { id: opened.id, callback_id: VIEWS.request },
    values: requestFormValues(answers),
  });
  edit(payload);
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

describe('a view submission delivered more than once', () => {
  it('the same signed submission delivered 5 times at once creates one request, and each delivery is shown it', async () => {
    const { stack } = await start();
    const body = await formSubmissionBody(stack, PEOPLE.morgan, janeLeaves);

    const viewId = (JSON.parse(new URLSearchParams(body).get('payload')!) as { view: { id: string } }).view.id;
    const updates = () => stack.slack.views.filter((v) => v.kind === 'update' && v.id === viewId);

    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => stack.events.post(body)));

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    for (const a of answers) expect(a.json).toMatchObject({ response_action: 'update' });
    // The modal is updated with the one request, whichever delivery stored it.
    await stack.slack.waitFor(() => updates().length > 0);
    const ids = updates().map((v) => /OFF-[0-9A-Z]{6}/.exec(JSON.stringify(v.view))?.[0]);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toBeDefined();
    expect(await storedRequests(stack)).toEqual([`${stack.config.redisPrefix}:request:${ids[0]}`]);
    expect(eventsOf(await readTrail(stack, ids[0]!), 'request.submitted')).toHaveLength(1);

    // Delivered again later: still the same request, announced once.
    const updatesBefore = updates().length;
    await stack.events.post(body);
    await stack.slack.waitFor(() => updates().length > updatesBefore);
    expect(JSON.stringify(updates().at(-1)!.view)).toContain(ids[0]);
    await stack.slack.waitFor(() => stack.slack.messages(APPROVAL_CHANNEL).length > 0);
    expect(stack.slack.messages(APPROVAL_CHANNEL)).toHaveLength(1);
    expect(await storedRequests(stack)).toHaveLength(1);
  });
});

describe('a second request about a person who already has an open one', () => {
  it('is refused in the modal, naming the first request and linking its approval message; nothing more is stored', async () => {
    const { stack, player } = await start();
    const first = await player.request(PEOPLE.morgan, janeLeaves, { awaitPreview: false });
    const approval = player.approvalMessage(first)!;
    // The message is in Slack a moment before its reference is stored with the request.
    await eventually(
      async () => JSON.parse((await redisFor(stack).get(`${stack.config.redisPrefix}:request:${first}`))!).approvalMessage,
      5_000,
      'approval message reference',
    );
    // Approval messages only: the DM telling Morgan the first request is waiting may still be on its way.
    const approvalPosts = () => stack.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === APPROVAL_CHANNEL);
    const messagesBefore = approvalPosts().length;

    const res = await player.submitForm(PEOPLE.riley, { ...janeLeaves, ticket: 'HR-2000' });

    // The store finds the conflict after the answer: the form comes back with it, every answer kept.
    expect(res.status).toBe(200);
    const viewId = player.lastForm(PEOPLE.riley)!.id;
    const shown = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'update' && v.id === viewId));
    expect(shown.view.callback_id).toBe(VIEWS.request);
    const text = JSON.stringify(shown.view.blocks);
    expect(text).toContain(`Jane Doe already has an open offboarding request, ${first} (waiting for approval)`);
    expect(text).toContain(`https://sim-workspace.slack.com/archives/${APPROVAL_CHANNEL}/p${approval.ts.replace('.', '')}`);
    expect(text).toContain('HR-2000');
    expect(await storedRequests(stack)).toEqual([`${stack.config.redisPrefix}:request:${first}`]);
    await new Promise((r) => setTimeout(r, 200));
    expect(approvalPosts()).toHaveLength(messagesBefore);
  });

  it('is accepted once the first has been rejected', async () => {
    const { stack, player } = await start();
    const first = await player.request(PEOPLE.morgan, janeLeaves, { awaitPreview: false });
    await player.click(PEOPLE.alex, 'reject', first);
    await submitRejectModal(stack, PEOPLE.alex, rejectModalsFor(stack, PEOPLE.alex)[0]!.id, 'Duplicate');

    const res = await player.submitForm(PEOPLE.riley, { ...janeLeaves, ticket: 'HR-2000' });

    expect((res.json as { response_action: string }).response_action).toBe('update');
    expect(await storedRequests(stack)).toHaveLength(2);
  });
});

describe('forged values in a signed request form', () => {
  for (const reason of ['toString', '__proto__', 'constructor', 'hasOwnProperty']) {
    it(`a reason "${reason}" is refused in the modal, nothing is stored and App Home still renders`, async () => {
      const { stack, player } = await start();

      const res = await player.submitForm(PEOPLE.morgan, { ...janeLeaves, reason: reason as Reason });

      expect(res.status).toBe(200);
      expect(res.json).toEqual(CHOOSE_REASON);
      expect(await storedRequests(stack)).toEqual([]);
      expect(stack.slack.callsTo('chat.postMessage')).toEqual([]);
      await expectAppHomeRenders(stack);
    });
  }

  it('a 5,000-character ticket is refused in the modal (it allows 100) and nothing is stored', async () => {
    const { stack, player } = await start();

    const { view } = await player.openForm(PEOPLE.morgan);
    // Opening the form looks the requester up; the refused submission asks Slack about nobody.
    await stack.slack.waitFor(() => stack.slack.callsTo('users.info').length === 1);

    const res = await stack.events.viewSubmission({
      userId: PEOPLE.morgan,
      view: { id: view.id, callback_id: VIEWS.request },
      values: requestFormValues({ ...janeLeaves, ticket: 'T'.repeat(5000) }),
    });

    expect(res.json).toEqual({ response_action: 'errors', errors: { [FIELDS.ticket]: 'Keep the ticket reference to 100 characters or fewer.' } });
    expect(await storedRequests(stack)).toEqual([]);
    expect(stack.slack.callsTo('users.info').map((c) => c.args.user)).toEqual([PEOPLE.morgan]);
  });

  it('a submission without view.state is answered with an explanation in the modal and nothing is stored', async () => {
    const { stack } = await start();
    const body = await formSubmissionBody(stack, PEOPLE.morgan, janeLeaves, (p) => delete (p.view as Record<string, unknown>).state);

    const res = await stack.events.post(body);

    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      response_action: 'errors',
      errors: { [FIELDS.person]: 'The form arrived without its answers; close it and run /offboard again.' },
    });
    expect(await storedRequests(stack)).toEqual([]);
  });

  it('answers of the wrong shape (a user id that is no user id, a number for text) are named on their blocks', async () => {
    const { stack } = await start();
    const body = await formSubmissionBody(stack, PEOPLE.morgan, janeLeaves, (p) => {
      const values = (p.view as { state: { values: Record<string, Record<string, Record<string, unknown>>> } }).state.values;
      values[FIELDS.person]![`${FIELDS.person}_input`]!.selected_user = '__proto__';
      values[FIELDS.ticket]![`${FIELDS.ticket}_input`]!.value = 42;
    });

    const res = await stack.events.post(body);

    const errors = (res.json as { errors: Record<string, string> }).errors;
    expect(Object.keys(errors).sort()).toEqual([FIELDS.person, FIELDS.ticket].sort());
    expect(await storedRequests(stack)).toEqual([]);
  });
});

describe('forged reject modals', () => {
  for (const [what, metadata] of [
    ['not JSON', '{not json'],
    ['naming no request id', JSON.stringify({ requestId: '__proto__' })],
    ['carrying extra authority', JSON.stringify({ requestId: 'OFF-AAAAAA', approver: true })],
  ] as const) {
    it(`private_metadata ${what} is refused in the modal and nothing is rejected`, async () => {
      const { stack, player } = await start();
      const id = await player.request(PEOPLE.morgan, janeLeaves, { awaitPreview: false });
      await player.click(PEOPLE.alex, 'reject', id);
      const modal = rejectModalsFor(stack, PEOPLE.alex)[0]!;

      const res = await stack.events.viewSubmission({
        userId: PEOPLE.alex,
        view: { id: modal.id, callback_id: VIEWS.reject, private_metadata: metadata },
        values: { [FIELDS.rejectReason]: { [`${FIELDS.rejectReason}_input`]: { type: 'plain_text_input', value: 'No' } } },
      });

      expect(res.status).toBe(200);
      expect(res.json).toEqual({
        response_action: 'errors',
        errors: { [FIELDS.rejectReason]: 'This form arrived in a shape I cannot read, so nothing was rejected. Close it and click Reject again.' },
      });
      expect(eventsOf(await readTrail(stack, id), 'request.rejected')).toEqual([]);
      expect(JSON.parse((await redisFor(stack).get(`${stack.config.redisPrefix}:request:${id}`))!).status).toBe('pending');
    });
  }

  it('a reject modal naming a request that does not exist is refused in the modal', async () => {
    const { stack } = await start();

    const res = await stack.events.viewSubmission({
      userId: PEOPLE.alex,
      view: { id: 'V0FORGED01', callback_id: VIEWS.reject, private_metadata: JSON.stringify({ requestId: 'OFF-ZZZZZZ' }) },
      values: { [FIELDS.rejectReason]: { [`${FIELDS.rejectReason}_input`]: { type: 'plain_text_input', value: 'No' } } },
    });

    // Answered at once; the modal is then told there is nothing to reject.
    expect(res.json).toMatchObject({ response_action: 'update' });
    const outcome = await stack.slack.waitFor(() => stack.slack.callsTo('views.update').find((c) => c.args.view_id === 'V0FORGED01'));
    expect(JSON.stringify(outcome.args.view)).toContain('There is no offboarding request OFF-ZZZZZZ; nothing was rejected.');
    expect(await storedRequests(stack)).toEqual([]);
  });
});

describe('forged clicks, commands and events', () => {
  it('an Approve click whose value is no request id gets a private explanation and changes nothing', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves, { awaitPreview: false });
    const message = player.approvalMessage(id)!;

    for (const value of ['__proto__', 'OFF-1', `${id}' OR 1=1`]) {
      const res = await stack.events.blockAction({ userId: PEOPLE.alex, actionId: ACTIONS.approve, value, channel: APPROVAL_CHANNEL, messageTs: message.ts });
      expect(res.status).toBe(200);
    }
    const res = await stack.events.blockAction({
      userId: PEOPLE.alex,
      actionId: ACTIONS.approve,
      value: 'OFF-ZZZZZZ',
      channel: APPROVAL_CHANNEL,
      messageTs: message.ts,
    });
    expect(res.status).toBe(200);
    await stack.bot.settled();

    const told = ephemeralsFor(stack, PEOPLE.alex).map((e) => e.text);
    expect(told).toHaveLength(4);
    expect(told.slice(0, 3).every((t) => t.startsWith('This button does not name a request I know'))).toBe(true);
    expect(told[3]).toBe('There is no offboarding request OFF-ZZZZZZ, so nothing was done.');
    const trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'request.approved')).toEqual([]);
    expect(JSON.parse((await redisFor(stack).get(`${stack.config.redisPrefix}:request:${id}`))!).status).toBe('pending');
  });

  it('a click on a button we never sent is answered, with a private note where it came from', async () => {
    const { stack } = await start();

    const res = await stack.events.blockAction({ userId: PEOPLE.alex, actionId: 'offboard_delete_everything', value: 'x', channel: APPROVAL_CHANNEL });
    await stack.bot.settled();

    expect(res.status).toBe(200);
    expect(ephemeralsFor(stack, PEOPLE.alex).map((e) => e.text)).toEqual(['I do not know what to do with this, so nothing was done.']);
    expect(await storedRequests(stack)).toEqual([]);
  });

  it('a slash command without a user is answered with a private explanation and opens nothing', async () => {
    const { stack } = await start();
    const form = new SlackPayloads({ simulator: stack.slack }).slashCommand({ command: COMMAND, text: '', userId: PEOPLE.morgan, channelId: GENERAL_CHANNEL });
    delete form.user_id;

    const res = await stack.events.post(new URLSearchParams(form).toString());

    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('nothing was opened') });
    expect(stack.slack.callsTo('views.open')).toEqual([]);
  });

  it('an event of null, a view submission without a view and an unknown payload type are answered 200 within 3 s', async () => {
    const { stack } = await start();
    const post = (payload: string) => stack.events.post(new URLSearchParams({ payload }).toString());
    const t0 = Date.now();

    const answers = await Promise.all([
      post('{"type":"view_submission"}'),
      post('{"type":"block_actions","actions":[]}'),
      post('{"type":"something_new"}'),
      stack.events.post(JSON.stringify({ type: 'event_callback', event: null }), { contentType: 'application/json' }),
    ]);

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(Date.now() - t0).toBeLessThan(3_000);
    await stack.bot.settled();
    expect(stack.slack.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
    await expectAppHomeRenders(stack);
  });

  it('a payload that is not an object (null, a number, a list, a list behind 300 blanks) is answered 400 and the bot stays up; nothing is called', async () => {
    const { stack } = await start();
    const blanks = ' '.repeat(300);
    const answers = await Promise.all([
      stack.events.post(new URLSearchParams({ payload: 'null' }).toString()),
      stack.events.post(new URLSearchParams({ payload: '7' }).toString()),
      stack.events.post(new URLSearchParams({ payload: '[]' }).toString()),
      stack.events.post(new URLSearchParams({ payload: `${blanks}[]` }).toString()),
      stack.events.post('null', { contentType: 'application/json' }),
      stack.events.post(`${blanks}[]`, { contentType: 'application/json' }),
    ]);

    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 400, 400, 400]);
    expect(stack.slack.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
    expect(await storedRequests(stack)).toEqual([]);
    await expectAppHomeRenders(stack);
  });
});
