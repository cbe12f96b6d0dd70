import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { FormAnswers } from '../../app/demo/request-form-values.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { ACTIONS, FIELDS } from '../../src/slack/blocks/ids.js';
import { useStack } from '../support/stack.js';

const start = useStack();

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** A request that passes every rule; each test breaks one thing. */
const VALID: FormAnswers = {
  person: PEOPLE.jane,
  reason: 'resignation',
  timing: 'now',
  disposition: 'disable_then_delete',
  graceDays: '30',
  successor: PEOPLE.taylor,
  ticket: 'HR-1042',
  notes: 'Last day Friday',
};

const nowS = () => Math.floor(Date.now() / 1000);

async function storedRequestKeys(stack: LocalStack): Promise<string[]> {
  const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
  closers.push(() => redis.quit());
  return redis.keys(`${stack.config.redisPrefix}:request*`);
}

async function jobCount(stack: LocalStack, queueName: string): Promise<number> {
  const connection = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection, prefix: stack.config.redisPrefix });
  closers.push(
    () => connection.quit(),
    () => queue.close(),
  );
  return Object.values(await queue.getJobCounts()).reduce((a, b) => a + b, 0);
}

/**
 * Submits the form as `requester` and expects the modal to stay open showing exactly `errors`,
 * with nothing stored, nothing posted for approval and nobody messaged.
 */
async function expectRefused(requester: string, answers: FormAnswers, errors: Record<string, string>) {
  const { stack, player } = await start();

  const res = await player.submitForm(requester, answers);

  expect(res.status).toBe(200);
  expect(res.json).toEqual({ response_action: 'errors', errors });
  expect(stack.slack.messages(APPROVAL_CHANNEL)).toHaveLength(0);
  expect(stack.slack.callsTo('chat.postMessage')).toHaveLength(0);
  expect(stack.slack.messages(requester)).toHaveLength(0);
  expect(await storedRequestKeys(stack)).toEqual([]);
  return stack;
}

const MSG = {
  person: 'Choose the person who is leaving, or type their email below.',
  reason: 'Choose a reason.',
  ticket: 'Enter the ticket reference for this offboarding.',
  effectiveAtMissing: 'Pick the date and time access must end.',
  effectiveAtPast: 'This time is in the past; pick a future time or choose "As soon as IT approves".',
  successorMissing: 'Choose who takes over their resources and data (or choose "Delete now, keep nothing").',
  successorIsPerson: 'The person leaving cannot take over their own resources.',
  successorInactive: 'Choose an active person to take over.',
  graceDays: 'Enter a whole number of days between 1 and 365.',
};

describe('the request form refuses a submission it cannot act on', () => {
  it('asks who is leaving when nobody is chosen', async () => {
    await expectRefused(PEOPLE.morgan, { ...VALID, person: undefined }, { [FIELDS.person]: MSG.person });
  });

  it('asks for a reason when none is chosen', async () => {
    await expectRefused(PEOPLE.morgan, { ...VALID, reason: undefined }, { [FIELDS.reason]: MSG.reason });
  });

  it('asks for the ticket reference when it is empty', async () => {
    await expectRefused(PEOPLE.morgan, { ...VALID, ticket: undefined }, { [FIELDS.ticket]: MSG.ticket });
  });

  it('asks for the ticket reference when it is only spaces', async () => {
    await expectRefused(PEOPLE.morgan, { ...VALID, ticket: '   ' }, { [FIELDS.ticket]: MSG.ticket });
  });

  it('says a bot is not a person', async () => {
    await expectRefused(PEOPLE.morgan, { ...VALID, person: PEOPLE.deployBot }, { [FIELDS.person]: 'Deploy Bot is a bot or app, not a person.' });
  });

  it('says a person with no email on their profile cannot be found in the cloud accounts', async () => {
    await expectRefused(
      PEOPLE.morgan,
      { ...VALID, person: PEOPLE.noEmail },
      { [FIELDS.person]: 'Nomi Mail has no email on their Slack profile, so their cloud accounts cannot be found; type the email they use there instead.' },
    );
  });

  it('refuses a request to offboard yourself', async () => {
    await expectRefused(
      PEOPLE.morgan,
      { ...VALID, person: PEOPLE.morgan },
      { [FIELDS.person]: 'You cannot request your own offboarding; ask your manager or IT.' },
    );
  });

  it('asks for the date and time when the end is scheduled without one', async () => {
    await expectRefused(PEOPLE.morgan, { ...VALID, timing: 'scheduled', effectiveAt: undefined }, { [FIELDS.effectiveAt]: MSG.effectiveAtMissing });
  });

  it('refuses a scheduled end in the past', async () => {
    await expectRefused(PEOPLE.morgan, { ...VALID, timing: 'scheduled', effectiveAt: nowS() - 3600 }, { [FIELDS.effectiveAt]: MSG.effectiveAtPast });
  });

  it('asks who takes over when data is kept and nobody is chosen', async () => {
    await expectRefused(PEOPLE.morgan, { ...VALID, successor: undefined }, { [FIELDS.successor]: MSG.successorMissing });
  });

  it('refuses the person leaving as their own successor', async () => {
    await expectRefused(PEOPLE.morgan, { ...VALID, successor: PEOPLE.jane }, { [FIELDS.successor]: MSG.successorIsPerson });
  });

  it('refuses a deactivated successor', async () => {
    await expectRefused(PEOPLE.morgan, { ...VALID, successor: PEOPLE.gone }, { [FIELDS.successor]: MSG.successorInactive });
  });

  it('refuses a grace period of 0 days', async () => {
    await expectRefused(PEOPLE.morgan, { ...VALID, graceDays: '0' }, { [FIELDS.graceDays]: MSG.graceDays });
  });

  it('refuses a grace period of 400 days', async () => {
    await expectRefused(PEOPLE.morgan, { ...VALID, graceDays: '400' }, { [FIELDS.graceDays]: MSG.graceDays });
  });

  it('reports several problems together', async () => {
    await expectRefused(
      PEOPLE.morgan,
      {
        person: undefined,
        reason: undefined,
        timing: 'scheduled',
        effectiveAt: undefined,
        disposition: 'disable_then_delete',
        graceDays: '0',
        successor: undefined,
        ticket: undefined,
      },
      {
        [FIELDS.person]: MSG.person,
        [FIELDS.reason]: MSG.reason,
        [FIELDS.effectiveAt]: MSG.effectiveAtMissing,
        [FIELDS.graceDays]: MSG.graceDays,
        [FIELDS.successor]: MSG.successorMissing,
        [FIELDS.ticket]: MSG.ticket,
      },
    );
  });
});

describe('the request form accepts a valid submission', () => {
  it('closes the modal with a confirmation, asks IT to approve and tells the requester', async () => {
    const { stack, player } = await start();

    const res = await player.submitForm(PEOPLE.morgan, VALID);

    // Answered at once from the form and the people picked in it; the modal shows the stored request a moment later.
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Sending…' } } });
    const viewId = player.lastForm(PEOPLE.morgan)!.id;
    const shown = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'update' && v.id === viewId));
    expect((shown.view.title as { text: string }).text).toBe('Request sent');
    const id = /OFF-[0-9A-Z]{6}/.exec(JSON.stringify(shown.view.blocks))?.[0];
    expect(id).toBeDefined();
    expect(JSON.stringify(shown.view.blocks)).toContain('Jane Doe');

    // The approval message is posted after the answer, by a Slack job.
    await stack.slack.waitFor(() => stack.slack.messages(APPROVAL_CHANNEL).length > 0);
    const approvals = stack.slack.messages(APPROVAL_CHANNEL);
    expect(approvals).toHaveLength(1);
    const approval = approvals[0]!;
    expect(approval.text).toContain(id);
    expect(approval.text).toContain('Jane Doe');
    const blocks = JSON.stringify(approval.blocks);
    expect(blocks).toContain(`<@${PEOPLE.jane}>`);
    expect(blocks).toContain('jane.doe@acme.example');
    expect(blocks).toContain('*Reason:* Resignation');
    expect(blocks).toContain('*Ticket:* HR-1042');
    expect(blocks).toContain(`<@${PEOPLE.taylor}>`);
    const actions = approval.blocks.find((b) => (b as { type?: string }).type === 'actions') as {
      block_id: string;
      elements: { action_id: string; value: string; text: { text: string } }[];
    };
    expect(actions.block_id).toBe(`decide.${id}`);
    expect(actions.elements.map((e) => [e.action_id, e.text.text, e.value])).toEqual([
      [ACTIONS.approve, 'Approve', id],
      [ACTIONS.reject, 'Reject', id],
    ]);

    const dm = await stack.slack.waitFor(() => stack.slack.messages(PEOPLE.morgan).at(0));
    expect(dm.text).toContain(id);
    expect(dm.text).toContain('waiting for approval');

    // Only asked, not decided: nobody else is messaged and nothing is revoked yet.
    expect(stack.slack.messages(PEOPLE.jane)).toHaveLength(0);
    expect(await jobCount(stack, QUEUES.revocations)).toBe(0);
    expect(await jobCount(stack, QUEUES.runs)).toBe(0);
  });

  it('does not need a successor when nothing is kept ("delete now")', async () => {
    const { stack, player } = await start();

    const res = await player.submitForm(PEOPLE.morgan, { ...VALID, disposition: 'delete_now', successor: undefined });

    expect(res.status).toBe(200);
    expect((res.json as { response_action: string }).response_action).toBe('update');
    const approval = await stack.slack.waitFor(() => stack.slack.messages(APPROVAL_CHANNEL)[0]);
    expect(JSON.stringify(approval!.blocks)).toContain('nobody (nothing is kept)');
    expect(JSON.stringify(approval!.blocks)).toContain('*Afterwards:* Delete now');
  });

  it('does not check the grace period when nothing is kept ("delete now")', async () => {
    const { stack, player } = await start();

    const res = await player.submitForm(PEOPLE.morgan, { ...VALID, disposition: 'delete_now', graceDays: '0' });

    expect((res.json as { response_action: string }).response_action).toBe('update');
    await stack.slack.waitFor(() => stack.slack.messages(APPROVAL_CHANNEL).length > 0);
    expect(stack.slack.messages(APPROVAL_CHANNEL)).toHaveLength(1);
  });
});
