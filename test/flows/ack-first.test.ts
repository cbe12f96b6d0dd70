import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App } from '@slack/bolt';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { registerCommands } from '../../commands/index.js';
import type { CommandDeps } from '../../commands/deps.js';
import { crowdIbmSeed, crowdPerson, crowdSlackUsers } from '../../app/demo/crowd.js';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { requestFormValues, type FormAnswers } from '../../app/demo/request-form-values.js';
import { BADGE } from '../../app/demo/world.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { SWEEP_ACTIONS } from '../../src/connectors/ibm-cloud/sweep/sweep-ids.js';
import { VPC_REVIEW_ID } from '../../src/connectors/ibm-cloud/vpc/vpc-review-modal.js';
import { featureActionId } from '../../src/connectors/system-feature.js';
import { itemTaskCode } from '../../src/runs/item-tasks.js';
import { rotationTasks } from '../../src/runs/handed-over.js';
import { runView } from '../../src/runs/run-view.js';
import { ACME_PRODUCTION, SIM_NHI_IDS, withVpc } from '../../src/simulators/ibm-cloud/index.js';
import type { SlackResponse } from '../../src/simulators/slack/index.js';
import { ACTIONS, COMMAND, FIELDS, inputAction, VIEWS } from '../../src/slack/blocks/ids.js';
import { rotationButtonValue, stepButtonValue, taskButtonValue } from '../../src/slack/payloads.js';
import { eventsOf, eventually, finishedTrail, readTrail, rejectModalsFor, submitRejectModal, withStore } from '../support/approval-helpers.js';
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

/** Every action id, callback id and command the tests below send under a slow Slack and IBM Cloud, by kind (a button and a modal may share an id). */
const covered = new Set<string>();
const action = (id: string) => `action ${id}`;
const view = (id: string) => `view ${id}`;
const command = (id: string) => `command ${id}`;
/** `it`, recording the listeners (by their Slack ids) the test sends to. */
function covering(...ids: string[]) {
  for (const id of ids) covered.add(id);
  return it;
}

/** Slack and IBM Cloud answer at once again: the next step of a test is set up at normal speed. */
function fastAgain(stack: LocalStack) {
  stack.slack.delay('*', 0);
  stack.ibm.setLatency(0);
}

/** A click on a button under the request's checklist, as Slack sends it, with its own block and value. */
function checklistAction({ stack, player }: Started, userId: string, requestId: string, actionId: string, blockId: string, value: string) {
  return () => stack.events.blockAction({ userId, actionId, blockId, value, channel: APPROVAL_CHANNEL, messageTs: player.checklist(requestId)!.ts });
}

describe('every button and submission, while Slack and IBM Cloud are slow and Redis waits, is answered before any outside call or Redis work', () => {
  covering(command(COMMAND))('/offboard: answered, then the form is opened', async () => {
    const { stack } = await startWatched();
    await expectAnswerBeforeOutsideCalls(stack, 'views.open', () =>
      stack.events.slashCommand({ command: COMMAND, text: '', userId: PEOPLE.morgan, channelId: GENERAL_CHANNEL }),
    );
  });

  covering(action(inputAction(FIELDS.person)), action(inputAction(FIELDS.successor)))(
    'a person or successor picked in the form: each answered, then looked up',
    async () => {
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
      fastAgain(stack);
      await expectAnswerBeforeOutsideCalls(stack, 'users.info', () =>
        stack.events.blockAction({
          userId: PEOPLE.morgan,
          actionId: inputAction(FIELDS.successor),
          blockId: FIELDS.successor,
          value: PEOPLE.taylor,
          view: { ...view.view, id: view.id },
        }),
      );
    },
  );

  covering(view(VIEWS.request))('the request form, everyone in it known: answered "Sending…", then the modal shows the request', async () => {
    const { stack, player } = await startWatched();
    const { view } = await player.openForm(PEOPLE.morgan);
    await player.pick(PEOPLE.morgan, { ...view.view, id: view.id }, FIELDS.person, janeDeleted.person!);
    await player.pick(PEOPLE.morgan, { ...view.view, id: view.id }, FIELDS.successor, janeDeleted.successor!);
    const res = await expectAnswerBeforeOutsideCalls(stack, 'views.update', () =>
      stack.events.viewSubmission({ userId: PEOPLE.morgan, view: { id: view.id, callback_id: VIEWS.request }, values: requestFormValues(janeDeleted) }),
    );
    expect(res.json).toMatchObject({ response_action: 'update' });
  });

  covering(action(ACTIONS.approve))('Approve: answered, then the approver is checked with Slack', async () => {
    const started = await startWatched();
    const id = await started.player.request(PEOPLE.morgan, janeDeleted);
    await approversForgotten(started.stack);
    await expectAnswerBeforeOutsideCalls(started.stack, 'usergroups.users.list', approvalClick(started, PEOPLE.alex, 'approve', id));
    expect(eventsOf(await readTrail(started.stack, id), 'request.approved')).toHaveLength(1);
  });

  covering(action(ACTIONS.reject))('Reject: answered, then the approver is checked and the reason form opened', async () => {
    const started = await startWatched();
    const id = await started.player.request(PEOPLE.morgan, janeDeleted);
    await approversForgotten(started.stack);
    await expectAnswerBeforeOutsideCalls(started.stack, 'usergroups.users.list', approvalClick(started, PEOPLE.alex, 'reject', id));
    expect(started.stack.slack.callsTo('views.open').at(-1)?.args.view).toMatchObject({ callback_id: VIEWS.reject });
  });

  covering(view(VIEWS.reject))('the reject reason: answered "Rejecting…", then the approver is checked', async () => {
    const { stack, player } = await startWatched();
    const id = await player.request(PEOPLE.morgan, janeDeleted);
    await player.click(PEOPLE.alex, 'reject', id);
    const modal = await stack.slack.waitFor(() => rejectModalsFor(stack, PEOPLE.alex)[0]);
    await approversForgotten(stack);
    await expectAnswerBeforeOutsideCalls(stack, 'usergroups.users.list', () => submitRejectModal(stack, PEOPLE.alex, modal.id, 'Wrong person'));
    expect(eventsOf(await readTrail(stack, id), 'request.rejected')).toHaveLength(1);
  });

  covering(view(VIEWS.confirmApproval))('the approval confirmation a rule asks for: answered "Approving…", then the approver is checked', async () => {
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

  covering(action(ACTIONS.cancel), view(VIEWS.cancel))(
    'Cancel request and its reason: each answered, then the form opened and the request cancelled',
    async () => {
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
    },
  );

  covering(action(ACTIONS.retry))('Retry failed steps: answered, then the approver is checked', async () => {
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

  covering(action(ACTIONS.reinstate))('Reinstate: answered, then the approver is checked', async () => {
    const started = await startWatched();
    const id = await started.player.request(PEOPLE.morgan, graceFirst);
    await started.player.click(PEOPLE.alex, 'approve', id);
    const click = await checklistClick(started, PEOPLE.riley, 'reinstate', id);
    await approversForgotten(started.stack);
    await expectAnswerBeforeOutsideCalls(started.stack, 'usergroups.users.list', click);
    expect(eventsOf(await readTrail(started.stack, id), 'run.planned').map((e) => e.phase)).toEqual(['disable', 'reinstate']);
  });

  covering(action(ACTIONS.endGrace))('End grace period now: answered, then the approver is checked', async () => {
    const started = await startWatched();
    const id = await started.player.request(PEOPLE.morgan, graceFirst);
    await started.player.click(PEOPLE.alex, 'approve', id);
    const click = await checklistClick(started, PEOPLE.riley, 'endGrace', id);
    await approversForgotten(started.stack);
    await expectAnswerBeforeOutsideCalls(started.stack, 'usergroups.users.list', click);
    expect(eventsOf(await readTrail(started.stack, id), 'grace.ended')).toHaveLength(1);
  });

  covering(action(ACTIONS.downloadEvidence))(
    'Download evidence: answered, then the clicker is checked and given the pack',
    async () => {
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
    },
    90_000,
  );

  covering(action(ACTIONS.generateReport))('Generate report: answered, then the clicker is checked', async () => {
    const started = await startWatched({ env: { OFFBOARD_JOB_ATTEMPTS: '2' } });
    const id = await started.player.request(PEOPLE.morgan, janeDeleted);
    started.stack.slack.rateLimit('files.getUploadURLExternal', 2, 1);
    await started.player.click(PEOPLE.alex, 'approve', id);
    const click = await checklistClick(started, PEOPLE.alex, 'generateReport', id);
    await approversForgotten(started.stack);
    await expectAnswerBeforeOutsideCalls(started.stack, 'usergroups.users.list', click);
  });
});

const inSeconds = (s: number) => Math.ceil(Date.now() / 1000) + s;

describe('every later button and submission, while Slack and IBM Cloud are slow and Redis waits, is answered before any outside call or Redis work', () => {
  covering(action(ACTIONS.reschedule), view(VIEWS.reschedule))(
    'Reschedule and its new time: each answered, then the form opened and the request rescheduled',
    async () => {
      const started = await startWatched();
      const { stack, player } = started;
      const id = await player.request(PEOPLE.morgan, { ...janeDeleted, timing: 'scheduled', effectiveAt: inSeconds(3600) });
      await expectAnswerBeforeOutsideCalls(stack, 'views.open', approvalClick(started, PEOPLE.morgan, 'reschedule', id));
      const form = stack.slack.views.find((v) => v.kind === 'open' && v.view.callback_id === VIEWS.reschedule)!;
      fastAgain(stack);
      await expectAnswerBeforeOutsideCalls(stack, 'views.update', () =>
        stack.events.viewSubmission({
          userId: PEOPLE.morgan,
          view: { id: form.id, callback_id: VIEWS.reschedule, private_metadata: form.view.private_metadata as string },
          values: { [FIELDS.effectiveAt]: { [inputAction(FIELDS.effectiveAt)]: { type: 'datetimepicker', selected_date_time: inSeconds(7200) } } },
        }),
      );
      expect(eventsOf(await readTrail(stack, id), 'request.rescheduled')).toHaveLength(1);
    },
    60_000,
  );

  covering(action(ACTIONS.retryStep))(
    'Retry on one failed step: answered, then the approver is checked',
    async () => {
      const started = await startWatched();
      const { stack, player } = started;
      stack.ibm.inject({ method: 'DELETE', path: '/v1/apikeys/', status: 403 });
      const id = await player.request(PEOPLE.morgan, janeDeleted);
      await player.click(PEOPLE.alex, 'approve', id);
      await finishedTrail(stack, id);
      const value = await stack.slack.waitFor(
        () => {
          const blocks = (player.checklist(id)?.blocks ?? []) as { block_id?: string; elements?: { action_id?: string; value?: string }[] }[];
          return blocks
            .find((b) => b.block_id === `retry-steps.${id}`)
            ?.elements?.find((e) => e.action_id === ACTIONS.retryStep && e.value?.includes(ACME_PRODUCTION))?.value;
        },
        { timeoutMs: 20_000 },
      );
      stack.ibm.clearFaults();
      await approversForgotten(stack);
      await expectAnswerBeforeOutsideCalls(
        stack,
        'usergroups.users.list',
        checklistAction(started, PEOPLE.riley, id, ACTIONS.retryStep, `retry-steps.${id}`, value),
      );
      expect(eventsOf(await readTrail(stack, id), 'run.planned')).toHaveLength(2);
    },
    60_000,
  );

  covering(action(ACTIONS.retryBatch))(
    "Retry everyone's failed steps of a bulk request: answered, then the approver is checked",
    async () => {
      const crowd = [crowdPerson(0), crowdPerson(1)];
      const started = await startWatched({ extraSlackUsers: crowdSlackUsers(2), ibm: { seed: crowdIbmSeed(2) } });
      const { stack, player } = started;
      stack.ibm.inject({ method: 'DELETE', path: '/v1/apikeys/', status: 403 });
      await player.submitForm(PEOPLE.morgan, {
        person: crowd[0]!.slackUserId,
        others: [crowd[1]!.slackUserId],
        reason: 'termination',
        successor: PEOPLE.taylor,
        ticket: 'RIF-9',
      });
      const requests = await eventually(
        async () => {
          const stored = await withStore(stack, async (store) => (await store.recentReadable(50)).requests);
          if (stored.length !== 2 || !stored.every((r) => r.approvalMessage)) return undefined;
          const trails = await Promise.all(stored.map((r) => readTrail(stack, r.id)));
          return trails.every((t) => eventsOf(t, 'request.previewed').length > 0) ? stored : undefined;
        },
        30_000,
        'both requests announced',
      );
      await player.click(PEOPLE.alex, 'approve', requests[0]!.id);
      for (const r of requests) await finishedTrail(stack, r.id, { timeoutMs: 60_000 });
      const click = await checklistClick(started, PEOPLE.riley, 'retryBatch', requests[1]!.id);
      await stack.slack.waitFor(() => JSON.stringify(player.checklist(requests[1]!.id)?.blocks ?? []).includes('(2 people)') || undefined, {
        timeoutMs: 20_000,
      });
      stack.ibm.clearFaults();
      await approversForgotten(stack);
      await expectAnswerBeforeOutsideCalls(stack, 'usergroups.users.list', click);
      for (const r of requests) expect(eventsOf(await readTrail(stack, r.id), 'run.planned')).toHaveLength(2);
    },
    120_000,
  );

  covering(action(ACTIONS.taskDone), action(ACTIONS.taskNotApplicable), view(VIEWS.taskNote))(
    'a manual task: Done, Not applicable and its note, each answered, then the attester is checked',
    async () => {
      const TASK = `${BADGE}.task.attestation`;
      const started = await startWatched({ tasks: [BADGE], ibm: { accounts: [ACME_PRODUCTION] } });
      const { stack, player } = started;
      const open = async (id: string) => {
        await player.click(PEOPLE.alex, 'approve', id);
        await eventually(async () => runView(await readTrail(stack, id)).steps.find((s) => s.id === TASK)?.state === 'open', 20_000, 'the task to open');
        await stack.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks ?? []).includes(ACTIONS.taskDone) || undefined, { timeoutMs: 20_000 });
      };
      const done = await player.request(PEOPLE.morgan, janeDeleted);
      await open(done);
      await approversForgotten(stack);
      await expectAnswerBeforeOutsideCalls(
        stack,
        'usergroups.users.list',
        checklistAction(started, PEOPLE.riley, done, ACTIONS.taskDone, `task.${TASK}`, taskButtonValue(done, TASK)),
      );
      expect(eventsOf(await readTrail(stack, done), 'step.attested')).toHaveLength(1);

      fastAgain(stack);
      const skipped = await player.request(PEOPLE.morgan, { ...janeDeleted, person: PEOPLE.chris, ticket: 'HR-2045' });
      await open(skipped);
      await approversForgotten(stack);
      await expectAnswerBeforeOutsideCalls(
        stack,
        'usergroups.users.list',
        checklistAction(started, PEOPLE.riley, skipped, ACTIONS.taskNotApplicable, `task.${TASK}`, taskButtonValue(skipped, TASK)),
      );
      const form = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'open' && v.view.callback_id === VIEWS.taskNote));
      fastAgain(stack);
      await approversForgotten(stack);
      await expectAnswerBeforeOutsideCalls(stack, 'usergroups.users.list', () =>
        stack.events.viewSubmission({
          userId: PEOPLE.riley,
          view: { id: form.id, callback_id: VIEWS.taskNote, private_metadata: form.view.private_metadata as string },
          values: { [FIELDS.taskNote]: { [inputAction(FIELDS.taskNote)]: { type: 'plain_text_input', value: 'No badge was issued' } } },
        }),
      );
      expect(eventsOf(await readTrail(stack, skipped), 'step.attested')).toEqual([expect.objectContaining({ actor: PEOPLE.riley })]);
    },
    120_000,
  );

  covering(action(VPC_REVIEW_ID), view(VPC_REVIEW_ID))(
    "Done on one item of a task (a server holding her key), then a system's own button and modal (Review SSH keys… in the grace period): each answered, then checked",
    async () => {
      const KEYS_STEP = `ibm-cloud.${ACME_PRODUCTION}.vpc-ssh-keys`;
      const SERVERS_STEP = `ibm-cloud.${ACME_PRODUCTION}.vpc-authorized-keys`;
      const started = await startWatched({ ibm: { seed: withVpc() }, env: { IBMCLOUD_VPC_REGIONS: 'us-south,eu-de' } });
      const { stack, player } = started;
      const checklistText = () => JSON.stringify(player.checklist(id)?.blocks ?? []);
      const id = await player.request(PEOPLE.morgan, graceFirst);
      await player.click(PEOPLE.alex, 'approve', id);
      // The disable round: each server holding one of her keys is a task of its own.
      const codes = await eventually(
        async () => {
          const v = runView(await readTrail(stack, id));
          const step = v.steps.find((s) => s.id === SERVERS_STEP && s.phase === v.current.phase);
          return step?.state === 'open' && step.items?.length ? step.items.map((i) => itemTaskCode(SERVERS_STEP, i.id)) : undefined;
        },
        20_000,
        'the servers to open as tasks',
      );
      await stack.slack.waitFor(() => checklistText().includes(`item.${codes[0]}`) || undefined, { timeoutMs: 20_000 });
      await approversForgotten(stack);
      await expectAnswerBeforeOutsideCalls(
        stack,
        'usergroups.users.list',
        checklistAction(started, PEOPLE.riley, id, ACTIONS.taskDone, `item.${codes[0]}`, taskButtonValue(id, SERVERS_STEP, codes[0])),
      );
      expect(eventsOf(await readTrail(stack, id), 'item.attested')).toEqual([expect.objectContaining({ stepId: SERVERS_STEP, actor: PEOPLE.riley })]);
      fastAgain(stack);
      for (const code of codes.slice(1)) await player.task(PEOPLE.alex, 'taskDone', id, SERVERS_STEP, code);
      await finishedTrail(stack, id);

      // The grace period: the deletion asks for a review of her SSH keys.
      await stack.slack.waitFor(() => (checklistText().includes(VPC_REVIEW_ID) && checklistText().includes(ACTIONS.endGrace)) || undefined, {
        timeoutMs: 20_000,
      });
      await expectAnswerBeforeOutsideCalls(
        stack,
        'views.open',
        checklistAction(started, PEOPLE.alex, id, VPC_REVIEW_ID, `reviews.${id}`, stepButtonValue(id, KEYS_STEP)),
      );
      fastAgain(stack);
      const modal = await eventually(
        async () =>
          stack.slack.views
            .filter((v) => v.userId === PEOPLE.alex && v.view.callback_id === VPC_REVIEW_ID && JSON.stringify(v.view.blocks).includes('checkboxes'))
            .at(-1),
        20_000,
        'the keys listed in the modal',
      );
      type Option = { value: string };
      const inputs = (modal.view.blocks as { type: string; block_id?: string; element?: { initial_options?: Option[] } }[]).filter((b) => b.type === 'input');
      const values = Object.fromEntries(
        inputs.map((b) => [b.block_id!, { chosen: { type: 'checkboxes', selected_options: b.element!.initial_options ?? [] } }]),
      );
      await approversForgotten(stack);
      await expectAnswerBeforeOutsideCalls(stack, 'usergroups.users.list', () =>
        stack.events.viewSubmission({
          userId: PEOPLE.alex,
          view: { id: modal.id, callback_id: VPC_REVIEW_ID, private_metadata: modal.view.private_metadata as string },
          values,
        }),
      );
      expect(eventsOf(await readTrail(stack, id), 'review.recorded')).toEqual([expect.objectContaining({ stepId: KEYS_STEP, actor: PEOPLE.alex })]);
    },
    150_000,
  );

  covering(
    action(ACTIONS.rotatedMyself),
    action(ACTIONS.rotationNotNeeded),
    view(VIEWS.rotationNote),
    action(ACTIONS.rotateForMe),
    action(ACTIONS.rotationSwitched),
  )(
    'the rotation tasks of handed-over credentials: Rotated myself, Not needed and its reason, Rotate for me, then Switched, each answered, then the clicker is checked',
    async () => {
      const started = await startWatched();
      const { stack, player } = started;
      const id = await player.request(PEOPLE.morgan, { ...graceFirst, created: 'hand_over' });
      await player.click(PEOPLE.alex, 'approve', id);
      const tasks = rotationTasks(runView(await finishedTrail(stack, id)));
      const codeOf = (itemId: string) => tasks.find((t) => t.id === itemId)!.code;
      const rotation = (name: keyof typeof ACTIONS, itemId: string) =>
        checklistAction(started, PEOPLE.riley, id, ACTIONS[name], `rotation.${codeOf(itemId)}`, rotationButtonValue(id, codeOf(itemId)));
      const checklistText = () => JSON.stringify(player.checklist(id)?.blocks ?? []);
      await stack.slack.waitFor(() => checklistText().includes(ACTIONS.rotateForMe) || undefined, { timeoutMs: 20_000 });

      await approversForgotten(stack);
      await expectAnswerBeforeOutsideCalls(stack, 'usergroups.users.list', rotation('rotatedMyself', SIM_NHI_IDS.janeResourceKey));
      expect(eventsOf(await readTrail(stack, id), 'rotation.closed')).toHaveLength(1);

      fastAgain(stack);
      await approversForgotten(stack);
      await expectAnswerBeforeOutsideCalls(stack, 'usergroups.users.list', rotation('rotationNotNeeded', SIM_NHI_IDS.logShipperJaneKey));
      const form = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'open' && v.view.callback_id === VIEWS.rotationNote));
      fastAgain(stack);
      await approversForgotten(stack);
      await expectAnswerBeforeOutsideCalls(stack, 'usergroups.users.list', () =>
        stack.events.viewSubmission({
          userId: PEOPLE.riley,
          view: { id: form.id, callback_id: VIEWS.rotationNote, private_metadata: form.view.private_metadata as string },
          values: { [FIELDS.taskNote]: { [inputAction(FIELDS.taskNote)]: { type: 'plain_text_input', value: 'The shipper is retired' } } },
        }),
      );
      expect(eventsOf(await readTrail(stack, id), 'rotation.closed')).toHaveLength(2);

      fastAgain(stack);
      await approversForgotten(stack);
      await expectAnswerBeforeOutsideCalls(stack, 'usergroups.users.list', rotation('rotateForMe', SIM_NHI_IDS.ciPipelineKey));
      fastAgain(stack);
      await eventually(async () => eventsOf(await readTrail(stack, id), 'rotation.replaced').length > 0, 30_000, 'the replacement made');
      await stack.slack.waitFor(() => checklistText().includes(ACTIONS.rotationSwitched) || undefined, { timeoutMs: 20_000 });
      await approversForgotten(stack);
      await expectAnswerBeforeOutsideCalls(stack, 'usergroups.users.list', rotation('rotationSwitched', SIM_NHI_IDS.ciPipelineKey));
      expect(eventsOf(await readTrail(stack, id), 'rotation.switched')).toEqual([expect.objectContaining({ actor: PEOPLE.riley })]);
    },
    150_000,
  );

  covering(...Object.values(SWEEP_ACTIONS).map(action))(
    "the inactive-identities sweep's digest: Offboard, Disable and Enable, each answered, then looked up or checked",
    async () => {
      const { stack } = await startWatched({ env: { OFFBOARD_SWEEP_POLL_MS: '100' } });
      await stack.events.slashCommand({ command: COMMAND, text: 'sweep', userId: PEOPLE.alex, channelId: GENERAL_CHANNEL });
      type Row = { block_id?: string; accessory?: { action_id: string; value: string } };
      const digest = await stack.slack.waitFor(
        () =>
          stack.slack.messages(APPROVAL_CHANNEL).find((m) => !m.thread_ts && m.text.startsWith(`Inactive identities in IBM Cloud account ${ACME_PRODUCTION}`)),
        { timeoutMs: 30_000 },
      );
      const row = (message: { blocks: unknown[] }, find: (value: { i?: string; e?: string }, actionId: string) => boolean) =>
        (message.blocks as Row[]).find((b) => b.accessory && find(JSON.parse(b.accessory.value), b.accessory.action_id))!;
      const click = (userId: string, message: { ts: string; blocks: unknown[] }, r: Row) => () =>
        stack.events.blockAction({
          userId,
          actionId: r.accessory!.action_id,
          blockId: r.block_id,
          value: r.accessory!.value,
          channel: APPROVAL_CHANNEL,
          messageTs: message.ts,
        });

      const jane = row(digest, (v, a) => a === SWEEP_ACTIONS.offboard && v.e === 'jane.doe@acme.example');
      await expectAnswerBeforeOutsideCalls(stack, 'users.lookupByEmail', click(PEOPLE.morgan, digest, jane));
      fastAgain(stack);
      await approversForgotten(stack);
      await expectAnswerBeforeOutsideCalls(
        stack,
        'usergroups.users.list',
        click(
          PEOPLE.alex,
          digest,
          row(digest, (v) => v.i === SIM_NHI_IDS.ciPipelineKey),
        ),
      );
      fastAgain(stack);
      const reply = await stack.slack.waitFor(() => stack.slack.thread(APPROVAL_CHANNEL, digest.ts).find((m) => m.text.includes('disabled by')), {
        timeoutMs: 30_000,
      });
      await approversForgotten(stack);
      const enable = row(reply, (v) => v.i === SIM_NHI_IDS.ciPipelineKey);
      expect(enable.accessory!.action_id).toBe(SWEEP_ACTIONS.enable);
      await expectAnswerBeforeOutsideCalls(stack, 'usergroups.users.list', click(PEOPLE.riley, reply, enable));
    },
    90_000,
  );

  covering(view(VIEWS.request))(
    'a bulk request form (others leaving with the person): answered "Sending…", then the modal shows the request',
    async () => {
      const { stack, player } = await startWatched();
      const { view: opened } = await player.openForm(PEOPLE.morgan);
      const form = { ...opened.view, id: opened.id };
      await player.pick(PEOPLE.morgan, form, FIELDS.person, PEOPLE.jane);
      await player.pick(PEOPLE.morgan, form, FIELDS.successor, PEOPLE.taylor);
      const answers: FormAnswers = { ...janeDeleted, others: [PEOPLE.chris] };
      const res = await expectAnswerBeforeOutsideCalls(stack, 'views.update', () =>
        stack.events.viewSubmission({ userId: PEOPLE.morgan, view: { id: opened.id, callback_id: VIEWS.request }, values: requestFormValues(answers) }),
      );
      expect(res.json).toMatchObject({ response_action: 'update' });
    },
    60_000,
  );
});

describe('the listeners the tests above send to', () => {
  it("are every one the bot registers: each command, button and modal, the systems' own included", async () => {
    const registered: string[] = [];
    const app = {
      command: (id: string) => registered.push(command(id)),
      action: (id: string | RegExp) => typeof id === 'string' && registered.push(action(id)),
      view: (id: string | RegExp) => typeof id === 'string' && registered.push(view(id)),
      event: () => undefined,
    };
    registerCommands(app as unknown as App, { features: { actionIds: /^ibm-cloud\./ } } as unknown as CommandDeps);
    // The systems' buttons and modals are routed by one pattern per system: each one a feature offers is listed here.
    const { stack } = await start();
    for (const { module, settings } of stack.config.systems)
      for (const feature of settings.features ?? []) {
        for (const name of Object.keys(feature.buttons ?? {})) registered.push(action(featureActionId(module.id, feature.name, name)));
        for (const name of Object.keys(feature.modals ?? {})) registered.push(view(featureActionId(module.id, feature.name, name)));
      }

    expect(registered.length).toBeGreaterThan(25);
    expect(registered.filter((id) => !covered.has(id))).toEqual([]);
  });
});
