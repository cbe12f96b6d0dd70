import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { FormAnswers } from '../../app/demo/request-form-values.js';
import type { SlackPlayer } from '../../app/demo/slack-player.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { Keys } from '../../src/redis.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { ACTIONS, VIEWS } from '../../src/slack/blocks/ids.js';
import { ephemeralsFor, eventsOf, eventually, finishedTrail, readTrail, withStore } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

function storeOf(stack: LocalStack) {
  const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
  closers.push(() => redis.quit());
  return { redis, store: new RequestStore(redis, new Keys(stack.config.redisPrefix)) };
}

async function deletionJob(stack: LocalStack, id: string) {
  const { redis } = storeOf(stack);
  const queue = new Queue(QUEUES.runs, { connection: redis, prefix: stack.config.redisPrefix });
  closers.push(() => queue.close());
  const job = await queue.getJob(`${id}.deletion`);
  return job ? await job.getState() : undefined;
}

const storedRequests = async (stack: LocalStack) => (await storeOf(stack).redis.keys(`${stack.config.redisPrefix}:request:*`)).length;

/** Taylor, who holds nothing in IBM Cloud: the disable phase takes nothing that could be given back. */
const taylorLeavesForCause: FormAnswers = {
  person: PEOPLE.taylor,
  reason: 'termination_for_cause',
  disposition: 'disable_then_delete',
  graceDays: '30',
  successor: PEOPLE.morgan,
  ticket: 'HR-TAYLOR',
};
const janeLeaves: FormAnswers = {
  person: PEOPLE.jane,
  reason: 'resignation',
  disposition: 'disable_then_delete',
  graceDays: '30',
  successor: PEOPLE.taylor,
  ticket: 'HR-JANE',
};

/** Requested by Morgan, approved by Alex; resolves once the disable round has finished and the request waits for its deletion. */
async function disabled(stack: LocalStack, player: SlackPlayer, answers: FormAnswers) {
  const id = await player.request(PEOPLE.morgan, answers);
  await player.click(PEOPLE.alex, 'approve', id);
  // A termination for cause takes a second approver (the default approval rules).
  if (answers.reason === 'termination_for_cause') await player.click(PEOPLE.riley, 'approve', id);
  await finishedTrail(stack, id);
  const { store } = storeOf(stack);
  await eventually(async () => (await store.mustGet(id)).status === 'disabled', 10_000, `${id} disabled`);
  await stack.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks ?? []).includes(ACTIONS.reinstate), { timeoutMs: 20_000 });
  return id;
}

/** Submits a second request and returns the problem the form came back with (listed at its top). */
async function refusedForm(stack: LocalStack, player: SlackPlayer, requester: string, answers: FormAnswers): Promise<string> {
  const res = await player.submitForm(requester, answers);
  expect(res.status).toBe(200);
  const viewId = player.lastForm(requester)!.id;
  const shown = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'update' && v.id === viewId && v.view.callback_id === VIEWS.request));
  const [problems] = shown.view.blocks as { text?: { text: string } }[];
  expect(problems?.text?.text).toContain('Please fix before sending');
  return problems!.text!.text;
}

describe('a request in its grace period counts as open', () => {
  it('a second request for the person is refused; an approver is shown the open one, linked, and told to end its grace period to delete now; nothing is stored', async () => {
    const { stack, player } = await start();
    const first = await disabled(stack, player, taylorLeavesForCause);
    const approval = player.approvalMessage(first)!;

    const text = await refusedForm(stack, player, PEOPLE.riley, { ...taylorLeavesForCause, disposition: 'delete_now', ticket: 'HR-AGAIN' });

    expect(text).toContain(`Taylor Successor already has an open offboarding request, ${first} (in its grace period`);
    expect(text).toContain('To delete now, use "End grace period now" on it; no second request is needed.');
    expect(text).toContain(`https://sim-workspace.slack.com/archives/${APPROVAL_CHANNEL}/p${approval.ts.replace('.', '')}`);
    expect(await storedRequests(stack)).toBe(1);
    expect(stack.slack.messages(APPROVAL_CHANNEL).filter((m) => !m.thread_ts)).toHaveLength(1);
  });

  it('so is one waiting for approval, and one approved for a later time: an approver filing another is shown it, linked, with where it stands; nothing is stored', async () => {
    const { stack, player } = await start();
    const pending = await player.request(PEOPLE.morgan, janeLeaves);
    const later = Math.floor(Date.now() / 1000) + 24 * 3600;
    const scheduled = await player.request(PEOPLE.morgan, {
      ...janeLeaves,
      person: PEOPLE.chris,
      successor: PEOPLE.taylor,
      timing: 'scheduled',
      effectiveAt: later,
    });
    await player.click(PEOPLE.alex, 'approve', scheduled);
    await eventually(async () => (await storeOf(stack).store.mustGet(scheduled)).status === 'approved', 5_000, 'the request about Chris approved');
    const linkTo = (id: string) => `https://sim-workspace.slack.com/archives/${APPROVAL_CHANNEL}/p${player.approvalMessage(id)!.ts.replace('.', '')}`;

    const aboutJane = await refusedForm(stack, player, PEOPLE.riley, { ...janeLeaves, disposition: 'delete_now', ticket: 'HR-AGAIN-1' });
    const aboutChris = await refusedForm(stack, player, PEOPLE.riley, { ...janeLeaves, person: PEOPLE.chris, ticket: 'HR-AGAIN-2' });

    expect(aboutJane).toContain(`Jane Doe already has an open offboarding request, ${pending} (waiting for approval)`);
    expect(aboutJane).toContain(linkTo(pending));
    expect(aboutChris).toContain(`already has an open offboarding request, ${scheduled} (approved, waiting for its scheduled time)`);
    expect(aboutChris).toContain(linkTo(scheduled));
    expect(await storedRequests(stack)).toBe(2);
  });

  it('a non-approver filing a second request is told only that a request exists: no id, link, state or reason', async () => {
    const { stack, player } = await start();
    const first = await disabled(stack, player, taylorLeavesForCause);

    const text = await refusedForm(stack, player, PEOPLE.chris, { ...taylorLeavesForCause, reason: 'resignation', ticket: 'HR-CHRIS' });

    expect(text).toContain('An offboarding request about Taylor Successor already exists, so this one was not sent.');
    for (const secret of [first, 'slack.com/archives', 'grace', 'disabled', 'cause', 'Termination', 'End grace period']) expect(text).not.toContain(secret);
    expect(await storedRequests(stack)).toBe(1);
  });

  it('a non-approver is told as little about a request waiting for approval', async () => {
    const { stack, player } = await start();
    const first = await player.request(PEOPLE.morgan, janeLeaves, { awaitPreview: false });

    const text = await refusedForm(stack, player, PEOPLE.chris, { ...janeLeaves, ticket: 'HR-CHRIS' });

    expect(text).toContain('An offboarding request about Jane Doe already exists, so this one was not sent.');
    for (const secret of [first, 'waiting for approval', 'slack.com/archives']) expect(text).not.toContain(secret);
    expect(await storedRequests(stack)).toBe(1);
  });

  it('"End grace period now" on the open request is how an approver escalates it: the person is deleted without a second request', async () => {
    const { stack, player } = await start();
    const first = await disabled(stack, player, taylorLeavesForCause);

    await player.checklistButton(PEOPLE.riley, 'endGrace', first);

    const trail = await finishedTrail(stack, first, { rounds: 2 });
    expect(eventsOf(trail, 'run.planned').map((e) => e.phase)).toEqual(['disable', 'delete']);
    expect(await storedRequests(stack)).toBe(1);
  });
});

describe('a bulk request naming someone with an open request', () => {
  /** Submits a bulk request and returns what its modal says once stored (its lines on one string). */
  async function bulkOutcome(stack: LocalStack, player: SlackPlayer, requester: string, answers: FormAnswers): Promise<string> {
    expect((await player.submitForm(requester, answers)).status).toBe(200);
    const viewId = player.lastForm(requester)!.id;
    const shown = await stack.slack.waitFor(
      () => stack.slack.views.find((v) => v.kind === 'update' && v.id === viewId && JSON.stringify(v.view).includes('Requests sent')),
      { timeoutMs: 20_000 },
    );
    return (shown.view.blocks as { text?: { text: string } }[]).map((b) => b.text?.text ?? '').join('\n');
  }

  it('leaves them out: an approver is shown the open request, linked; anyone else only that one exists; no second request about them is stored', async () => {
    const { stack, player } = await start();
    const open = await player.request(PEOPLE.morgan, janeLeaves);
    const approval = player.approvalMessage(open)!;
    const link = `https://sim-workspace.slack.com/archives/${APPROVAL_CHANNEL}/p${approval.ts.replace('.', '')}`;

    const toApprover = await bulkOutcome(stack, player, PEOPLE.alex, { ...janeLeaves, person: PEOPLE.chris, others: [PEOPLE.jane], ticket: 'HR-BULK-1' });
    const toOthers = await bulkOutcome(stack, player, PEOPLE.taylor, {
      ...janeLeaves,
      person: PEOPLE.pat,
      others: [PEOPLE.jane],
      successor: PEOPLE.chris,
      ticket: 'HR-BULK-2',
    });

    expect(toApprover).toContain(`Not included, because a request about them is already open: Jane Doe (<${link}|${open}>).`);
    expect(toOthers).toContain('Not included, because a request about them is already open: Jane Doe.');
    for (const secret of [open, 'slack.com/archives']) expect(toOthers).not.toContain(secret);
    const about = await withStore(stack, async (store) => (await store.recentReadable(10)).requests.map((r) => r.subject.slackUserId).sort());
    expect(about).toEqual([PEOPLE.chris, PEOPLE.jane, PEOPLE.pat].sort());
  });
});

describe('Reinstate', () => {
  it('on a request whose disable phase took nothing is refused, saying why; the request still reads, stays disabled and keeps its deletion', async () => {
    const { stack, player } = await start();
    const id = await disabled(stack, player, taylorLeavesForCause);

    await player.checklistButton(PEOPLE.riley, 'reinstate', id);

    const told = await stack.slack.waitFor(() => ephemeralsFor(stack, PEOPLE.riley).find((e) => e.text.includes(id)));
    expect(told.text).toContain(`${id} cannot be reinstated: its disable phase took nothing that can be given back`);
    const { store } = storeOf(stack);
    expect((await store.mustGet(id)).status).toBe('disabled');
    expect((await store.mustGet(id)).nextRound).toBeUndefined();
    expect(await deletionJob(stack, id)).toBe('delayed');
    const trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'run.planned')).toHaveLength(1);
    expect(eventsOf(trail, 'approval.refused')).toEqual([expect.objectContaining({ actor: PEOPLE.riley, action: 'reinstate', reason: told.text })]);
  });

  it('after a later request about the person is refused and gives nothing back: no round, the deletion stays, Slack and IBM Cloud untouched', async () => {
    const { stack, player } = await start({ slackScim: true });
    const first = await disabled(stack, player, janeLeaves);
    // A later request about Jane, "delete now", as one filed before a disabled request counted as open.
    const { store } = storeOf(stack);
    const { id: _id, createdAt: _c, status: _s, decision: _d, approvalMessage: _a, checklistMessage: _cm, ...fields } = await store.mustGet(first);
    const later = await store.create({ ...fields, reason: 'termination_for_cause', disposition: { kind: 'delete_now' }, ticket: 'HR-CAUSE' });
    const ibmWritesBefore = stack.ibm.requests.filter((r) => r.method !== 'GET').length;

    await player.checklistButton(PEOPLE.alex, 'reinstate', first);

    const told = await stack.slack.waitFor(() => ephemeralsFor(stack, PEOPLE.alex).find((e) => e.text.includes(first)));
    expect(told.text).toBe(
      `${first} cannot be reinstated: a later request about Jane Doe (${later.id}) has been filed since, and what it removes must stay removed.`,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect((await store.mustGet(first)).status).toBe('disabled');
    expect(await deletionJob(stack, first)).toBe('delayed');
    const trail = await readTrail(stack, first);
    expect(eventsOf(trail, 'run.planned')).toHaveLength(1);
    expect(eventsOf(trail, 'approval.refused')).toEqual([expect.objectContaining({ actor: PEOPLE.alex, action: 'reinstate' })]);
    expect(stack.slack.scim!.user(PEOPLE.jane)?.active).toBe(false);
    expect(stack.ibm.requests.filter((r) => r.method !== 'GET')).toHaveLength(ibmWritesBefore);
  });

  it('a reinstatement that failed in part cannot be retried once a later request about the person has been filed', async () => {
    const { stack, player } = await start();
    const first = await disabled(stack, player, janeLeaves);
    stack.ibm.inject({ method: 'POST', path: '/v2/policies', status: 403 });
    await player.checklistButton(PEOPLE.alex, 'reinstate', first);
    expect(eventsOf(await finishedTrail(stack, first, { rounds: 2, timeoutMs: 40_000 }), 'run.finished')[1]!.failedSteps.length).toBeGreaterThan(0);
    const { store } = storeOf(stack);
    await eventually(async () => (await store.mustGet(first)).status === 'reinstated', 10_000, 'reinstated');
    stack.ibm.clearFaults();
    // Jane is reinstated, so a new request about her is accepted.
    const later = await player.request(
      PEOPLE.morgan,
      { ...janeLeaves, reason: 'termination_for_cause', disposition: 'delete_now', ticket: 'HR-CAUSE' },
      { awaitPreview: false },
    );

    await player.checklistButton(PEOPLE.riley, 'retry', first);

    const told = await stack.slack.waitFor(() => ephemeralsFor(stack, PEOPLE.riley).find((e) => e.text.includes(first)));
    expect(told.text).toBe(
      `The reinstatement of ${first} cannot be retried: a later request about Jane Doe (${later}) has been filed since, and what it removes must stay removed.`,
    );
    const trail = await readTrail(stack, first);
    expect(eventsOf(trail, 'run.planned')).toHaveLength(2);
    expect(eventsOf(trail, 'approval.refused')).toEqual([expect.objectContaining({ actor: PEOPLE.riley, action: 'retry' })]);
    expect((await store.mustGet(first)).status).toBe('reinstated');
  }, 60_000);
});
