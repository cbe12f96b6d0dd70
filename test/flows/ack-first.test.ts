import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { requestFormValues, type FormAnswers } from '../../app/demo/request-form-values.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import type { SlackResponse } from '../../src/simulators/slack/index.js';
import { ACTIONS, COMMAND, FIELDS, inputAction, VIEWS } from '../../src/slack/blocks/ids.js';
import { eventsOf, eventually, readTrail, rejectModalsFor, submitRejectModal } from '../support/approval-helpers.js';
import { createLogger } from '../../src/logger.js';
import { HoldingProxy } from '../support/holding-proxy.js';
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

/** As in production (and the shared harness): the answer goes out the moment a listener acknowledges, not when it finishes. */
const startAnsweringAtAck = () => start();

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

  it('with a bot as the person, shows the form again with the problem and every answer kept, and stores nothing', async () => {
    const { stack } = await startAnsweringAtAck();
    stack.slack.delay('users.info', SLOW_SLACK_MS);

    const { value: res, ms, viewId } = await submitOpenedForm(stack, PEOPLE.morgan, { ...janeLeaves, person: PEOPLE.deployBot });

    expect(ms).toBeLessThan(SLACK_LIMIT_MS);
    expect(res.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Checking…' } } });
    const updated = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'update' && v.id === viewId), { timeoutMs: 15_000 });
    expect(updated.view.callback_id).toBe(VIEWS.request);
    const text = JSON.stringify(updated.view.blocks);
    expect(text).toContain('Deploy Bot is a bot or app, not a person.');
    const blocks = updated.view.blocks as { block_id?: string; element?: Record<string, unknown> }[];
    const element = (block: string) => blocks.find((b) => b.block_id === block)?.element;
    expect(element(FIELDS.person)?.initial_user).toBe(PEOPLE.deployBot);
    expect(element(FIELDS.successor)?.initial_user).toBe(PEOPLE.taylor);
    expect(element(FIELDS.ticket)?.initial_value).toBe('HR-1042');
    expect(element(FIELDS.notes)?.initial_value).toBe('Last day Friday');
    expect((element(FIELDS.reason)?.initial_option as { value: string } | undefined)?.value).toBe('resignation');

    expect(await storedRequests(stack)).toEqual([]);
    expect(stack.slack.messages(APPROVAL_CHANNEL)).toEqual([]);
    expect(stack.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('asks Slack nothing before answering, however quick Slack is: a person not looked up yet is checked after the answer, and the form comes back with the problem', async () => {
    const { stack } = await startAnsweringAtAck();
    stack.slack.delay('users.info', 200);

    const { value: res, ms, viewId } = await submitOpenedForm(stack, PEOPLE.morgan, { ...janeLeaves, person: PEOPLE.deployBot });

    expect(ms).toBeLessThan(SLACK_LIMIT_MS);
    expect(res.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Checking…' } } });
    const updated = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'update' && v.id === viewId), { timeoutMs: 15_000 });
    expect(JSON.stringify(updated.view.blocks)).toContain('Deploy Bot is a bot or app, not a person.');
    // Each person is asked about once, though the checks start every lookup at once and then wait on each.
    expect(
      stack.slack
        .callsTo('users.info')
        .map((c) => c.args.user)
        .sort(),
    ).toEqual([PEOPLE.deployBot, PEOPLE.morgan, PEOPLE.taylor].sort());
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

/**
 * Every Slack Web API call and every IBM Cloud request takes this long, more than Slack waits for
 * an answer: an answer given after any outside call cannot come back in time, nor before that call.
 */
const SLOW_MS = 4_000;
/** How long the bot trusts its last reading of the approvers' group (slack-directory.ts). */
const APPROVERS_READ_TTL_MS = 3_000;

type Started = Awaited<ReturnType<typeof start>>;
/** What the bot logged at warn and above, and the proxy between it and Redis, per stack. */
const watched = new Map<LocalStack, { lines: string[]; redis: HoldingProxy }>();
afterEach(() => {
  for (const [stack, { redis }] of watched) {
    stack.slack.delay('*', 0);
    stack.ibm.setLatency(0);
    redis.close();
  }
  watched.clear();
});

/**
 * A stack whose warnings are kept (when no listener answers within 2 s, the bot's safety net
 * answers for it, bolt-errors.ts, and says so: that is how a late `ack()` shows), and whose Redis
 * is reached through a proxy that can hold every command the bot sends.
 */
async function startWatched(opts: Parameters<typeof start>[0] = {}): Promise<Started> {
  const lines: string[] = [];
  const shared = new URL(inject('redisUrl'));
  const redis = await HoldingProxy.start({ host: shared.hostname, port: Number(shared.port) });
  const started = await start({
    ...opts,
    redisUrl: redis.urlFor(shared.toString()),
    logger: createLogger('warn', { write: (line: string) => void lines.push(line) }),
  });
  watched.set(started.stack, { lines, redis });
  return started;
}

/** From now on Slack and IBM Cloud answer every call after SLOW_MS. */
function slowEverything(stack: LocalStack) {
  stack.slack.delay('*', SLOW_MS);
  stack.ibm.setLatency(SLOW_MS);
}

/**
 * Until the bot's last reading of the approvers' group has expired, as it has between two clicks
 * in real life: the click's own authorisation then asks Slack again.
 */
async function approversForgotten(stack: LocalStack) {
  const last = Math.max(0, ...stack.slack.callsTo('usergroups.users.list').map((c) => c.at));
  await sleep(Math.max(0, last + APPROVERS_READ_TTL_MS + 50 - Date.now()));
}

/**
 * Sends one interaction with Slack and IBM Cloud slow and every Redis command held until the
 * answer is in, and checks that Slack got its answer within its 3 s from the listener itself (not
 * from the safety net that answers for a listener still busy), before `firstCall` (the listener's
 * first outside call, made because of this interaction) came back from Slack, and before any IBM
 * Cloud request made meanwhile could have.
 */
async function expectAnswerBeforeOutsideCalls(stack: LocalStack, firstCall: string, send: () => Promise<SlackResponse>) {
  const { lines, redis } = watched.get(stack)!;
  slowEverything(stack);
  const slackBefore = stack.slack.calls.length;
  const sentAt = Date.now();
  redis.hold();
  const res = await send().finally(() => redis.release());
  const answeredAt = Date.now();
  expect(res.status).toBe(200);
  expect(answeredAt - sentAt).toBeLessThan(SLACK_LIMIT_MS);
  await stack.bot.settled();
  expect(lines.filter((l) => /no answer in time|listener failed/.test(l))).toEqual([]);
  const made = stack.slack.calls.slice(slackBefore).filter((c) => c.method === firstCall);
  expect(made.length, `${firstCall} was called after the interaction`).toBeGreaterThan(0);
  for (const call of made) expect(call.at).toBeGreaterThanOrEqual(answeredAt);
  for (const r of stack.ibm.requests.filter((r) => Date.parse(r.at) >= sentAt)) expect(Date.parse(r.at) + SLOW_MS).toBeGreaterThan(answeredAt);
  return res;
}

/** A click on a button of the request's approval message, as Slack sends it. */
function approvalClick({ player }: Started, userId: string, action: keyof typeof ACTIONS, requestId: string) {
  return () => player.send(userId, action, requestId, 'approval');
}

/** A click on a button under the request's checklist, once the checklist offers it. */
async function checklistClick({ stack, player }: Started, userId: string, action: keyof typeof ACTIONS, requestId: string) {
  await stack.slack.waitFor(() => JSON.stringify(player.checklist(requestId)?.blocks ?? []).includes(ACTIONS[action]) || undefined, { timeoutMs: 20_000 });
  return () => player.send(userId, action, requestId, 'checklist');
}

const janeDeleted: FormAnswers = { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-2044', disposition: 'delete_now' };
const graceFirst: FormAnswers = { ...janeDeleted, disposition: 'disable_then_delete', graceDays: '30' };

describe('every button and submission, while Slack and IBM Cloud are slow and Redis waits, is answered before any outside call or Redis work', () => {
  it('/offboard: answered, then the form is opened', async () => {
    const { stack } = await startWatched();
    await expectAnswerBeforeOutsideCalls(stack, 'views.open', () =>
      stack.events.slashCommand({ command: COMMAND, text: '', userId: PEOPLE.morgan, channelId: GENERAL_CHANNEL }),
    );
  });

  it('a person picked in the form: answered, then looked up', async () => {
    const { stack, player } = await startWatched();
    const { view } = await player.openForm(PEOPLE.morgan);
    await expectAnswerBeforeOutsideCalls(stack, 'users.info', () =>
      stack.events.blockAction({
        userId: PEOPLE.morgan,
        actionId: inputAction(FIELDS.person),
        blockId: FIELDS.person,
        value: PEOPLE.chris,
        view: { ...view.view, id: view.id },
      }),
    );
  });

  it('the request form, everyone in it known: answered "Sending…", then the modal shows the request', async () => {
    const { stack, player } = await startWatched();
    const { view } = await player.openForm(PEOPLE.morgan);
    await player.pick(PEOPLE.morgan, { ...view.view, id: view.id }, FIELDS.person, janeDeleted.person!);
    await player.pick(PEOPLE.morgan, { ...view.view, id: view.id }, FIELDS.successor, janeDeleted.successor!);
    const res = await expectAnswerBeforeOutsideCalls(stack, 'views.update', () =>
      stack.events.viewSubmission({ userId: PEOPLE.morgan, view: { id: view.id, callback_id: VIEWS.request }, values: requestFormValues(janeDeleted) }),
    );
    expect(res.json).toMatchObject({ response_action: 'update' });
  });

  it('Approve: answered, then the approver is checked with Slack', async () => {
    const started = await startWatched();
    const id = await started.player.request(PEOPLE.morgan, janeDeleted);
    await approversForgotten(started.stack);
    await expectAnswerBeforeOutsideCalls(started.stack, 'usergroups.users.list', approvalClick(started, PEOPLE.alex, 'approve', id));
    expect(eventsOf(await readTrail(started.stack, id), 'request.approved')).toHaveLength(1);
  });

  it('Reject: answered, then the approver is checked and the reason form opened', async () => {
    const started = await startWatched();
    const id = await started.player.request(PEOPLE.morgan, janeDeleted);
    await approversForgotten(started.stack);
    await expectAnswerBeforeOutsideCalls(started.stack, 'usergroups.users.list', approvalClick(started, PEOPLE.alex, 'reject', id));
    expect(started.stack.slack.callsTo('views.open').at(-1)?.args.view).toMatchObject({ callback_id: VIEWS.reject });
  });

  it('the reject reason: answered "Rejecting…", then the approver is checked', async () => {
    const { stack, player } = await startWatched();
    const id = await player.request(PEOPLE.morgan, janeDeleted);
    await player.click(PEOPLE.alex, 'reject', id);
    const modal = await stack.slack.waitFor(() => rejectModalsFor(stack, PEOPLE.alex)[0]);
    await approversForgotten(stack);
    await expectAnswerBeforeOutsideCalls(stack, 'usergroups.users.list', () => submitRejectModal(stack, PEOPLE.alex, modal.id, 'Wrong person'));
    expect(eventsOf(await readTrail(stack, id), 'request.rejected')).toHaveLength(1);
  });

  it('the approval confirmation a rule asks for: answered "Approving…", then the approver is checked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'offboard-ack-'));
    writeFileSync(join(dir, 'rules.yaml'), 'rules:\n  - { name: Typed, approvals: 1, typedConfirmation: true }\n');
    const { stack, player } = await startWatched({ env: { OFFBOARD_POLICY_FILE: join(dir, 'rules.yaml') } });
    const id = await player.request(PEOPLE.morgan, janeDeleted);
    await player.click(PEOPLE.alex, 'approve', id);
    const form = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'open' && v.view.callback_id === VIEWS.confirmApproval));
    await approversForgotten(stack);
    const res = await expectAnswerBeforeOutsideCalls(stack, 'usergroups.users.list', () =>
      stack.events.viewSubmission({
        userId: PEOPLE.alex,
        view: { id: form.id, callback_id: VIEWS.confirmApproval, private_metadata: form.view.private_metadata as string },
        values: { [FIELDS.confirmation]: { [inputAction(FIELDS.confirmation)]: { type: 'plain_text_input', value: 'Jane Doe' } } },
      }),
    );
    expect(res.json).toMatchObject({ response_action: 'update' });
    expect(eventsOf(await readTrail(stack, id), 'request.approved')).toHaveLength(1);
  });

  it('Cancel request and its reason: each answered, then the form opened and the request cancelled', async () => {
    const started = await startWatched();
    const { stack } = started;
    const id = await started.player.request(PEOPLE.morgan, janeDeleted);
    await expectAnswerBeforeOutsideCalls(stack, 'views.open', approvalClick(started, PEOPLE.morgan, 'cancel', id));
    const form = stack.slack.views.find((v) => v.kind === 'open' && v.view.callback_id === VIEWS.cancel)!;
    await expectAnswerBeforeOutsideCalls(stack, 'views.update', () =>
      stack.events.viewSubmission({
        userId: PEOPLE.morgan,
        view: { id: form.id, callback_id: VIEWS.cancel, private_metadata: form.view.private_metadata as string },
        values: { [FIELDS.cancelReason]: { [inputAction(FIELDS.cancelReason)]: { type: 'plain_text_input', value: 'Notice withdrawn' } } },
      }),
    );
    expect(eventsOf(await readTrail(stack, id), 'request.cancelled')).toHaveLength(1);
  });

  it('Retry failed steps: answered, then the approver is checked', async () => {
    const started = await startWatched();
    started.stack.ibm.inject({ method: 'DELETE', path: '/v1/apikeys/', status: 403 });
    const id = await started.player.request(PEOPLE.morgan, janeDeleted);
    await started.player.click(PEOPLE.alex, 'approve', id);
    const click = await checklistClick(started, PEOPLE.alex, 'retry', id);
    started.stack.ibm.clearFaults();
    await approversForgotten(started.stack);
    await expectAnswerBeforeOutsideCalls(started.stack, 'usergroups.users.list', click);
    expect(eventsOf(await readTrail(started.stack, id), 'run.planned')).toHaveLength(2);
  });

  it('Reinstate: answered, then the approver is checked', async () => {
    const started = await startWatched();
    const id = await started.player.request(PEOPLE.morgan, graceFirst);
    await started.player.click(PEOPLE.alex, 'approve', id);
    const click = await checklistClick(started, PEOPLE.riley, 'reinstate', id);
    await approversForgotten(started.stack);
    await expectAnswerBeforeOutsideCalls(started.stack, 'usergroups.users.list', click);
    expect(eventsOf(await readTrail(started.stack, id), 'run.planned').map((e) => e.phase)).toEqual(['disable', 'reinstate']);
  });

  it('End grace period now: answered, then the approver is checked', async () => {
    const started = await startWatched();
    const id = await started.player.request(PEOPLE.morgan, graceFirst);
    await started.player.click(PEOPLE.alex, 'approve', id);
    const click = await checklistClick(started, PEOPLE.riley, 'endGrace', id);
    await approversForgotten(started.stack);
    await expectAnswerBeforeOutsideCalls(started.stack, 'usergroups.users.list', click);
    expect(eventsOf(await readTrail(started.stack, id), 'grace.ended')).toHaveLength(1);
  });

  it('Download evidence: answered, then the clicker is checked and given the pack', async () => {
    const started = await startWatched();
    const id = await started.player.request(PEOPLE.morgan, janeDeleted);
    await started.player.click(PEOPLE.alex, 'approve', id);
    const click = await checklistClick(started, PEOPLE.alex, 'downloadEvidence', id);
    await approversForgotten(started.stack);
    await expectAnswerBeforeOutsideCalls(started.stack, 'usergroups.users.list', click);
    // A worker sends the pack by direct message, every Slack call of it slow; its delivery is recorded once done.
    const delivered = await eventually(
      async () => {
        const d = eventsOf(await readTrail(started.stack, id), 'evidence.downloaded');
        return d.length ? d : undefined;
      },
      60_000,
      'the pack delivered',
    );
    expect(delivered).toEqual([expect.objectContaining({ actor: PEOPLE.alex, via: 'button' })]);
  }, 90_000);

  it('Generate report: answered, then the clicker is checked', async () => {
    const started = await startWatched({ env: { OFFBOARD_JOB_ATTEMPTS: '2' } });
    const id = await started.player.request(PEOPLE.morgan, janeDeleted);
    started.stack.slack.rateLimit('files.getUploadURLExternal', 2, 1);
    await started.player.click(PEOPLE.alex, 'approve', id);
    const click = await checklistClick(started, PEOPLE.alex, 'generateReport', id);
    await approversForgotten(started.stack);
    await expectAnswerBeforeOutsideCalls(started.stack, 'usergroups.users.list', click);
  });
});
