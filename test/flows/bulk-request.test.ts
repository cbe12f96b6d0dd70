import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { crowdIbmSeed, crowdPerson, crowdSlackUsers } from '../../app/demo/crowd.js';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { SlackPlayer } from '../../app/demo/slack-player.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { Keys } from '../../src/redis.js';
import { ACME_PRODUCTION, ACME_STAGING } from '../../src/simulators/ibm-cloud/index.js';
import type { OffboardRequest } from '../../src/requests/request.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { FIELDS, inputAction, VIEWS } from '../../src/slack/blocks/ids.js';
import {
  ephemeralsFor,
  eventsOf,
  eventually,
  finishedTrail,
  queueSnapshot,
  readTrail,
  rejectModalsFor,
  submitRejectModal,
  VERIFIED_BUT_STAGING,
} from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

async function withStore<T>(stack: LocalStack, read: (store: RequestStore) => Promise<T>): Promise<T> {
  const redis = new Redis(stack.config.redisUrl);
  try {
    return await read(new RequestStore(redis, new Keys(stack.config.redisPrefix)));
  } finally {
    redis.disconnect();
  }
}

/** Every stored request, oldest first. */
const storedRequests = (stack: LocalStack) => withStore(stack, async (store) => (await store.recentReadable(500)).requests.reverse());

/**
 * Waits for `n` requests to be stored and for each one's approval message to show what the person
 * holds, as an approver sees it before approving (an approval is bound to that preview).
 */
async function batchOf(stack: LocalStack, n: number): Promise<OffboardRequest[]> {
  return eventually(
    async () => {
      const requests = await storedRequests(stack);
      if (requests.length !== n || !requests.every((r) => r.approvalMessage)) return undefined;
      const trails = await Promise.all(requests.map((r) => readTrail(stack, r.id)));
      return trails.every((t) => eventsOf(t, 'request.previewed').length > 0) ? requests : undefined;
    },
    30_000,
    `${n} requests announced`,
  );
}

/**
 * Opens the Cancel form from the request's approval message and submits it with `reason`, for this
 * person only or (`scope` 'all') everyone in the bulk request; returns what the form shows after.
 */
async function cancelAs(stack: LocalStack, player: SlackPlayer, userId: string, id: string, reason: string, scope: 'one' | 'all'): Promise<string> {
  await player.click(userId, 'cancel', id);
  const form = stack.slack.views.filter((v) => v.kind === 'open' && v.userId === userId && v.view.callback_id === VIEWS.cancel).at(-1)!;
  expect(JSON.stringify(form.view)).toContain('All 3 people of this bulk request');
  await stack.events.viewSubmission({
    userId,
    view: { id: form.id, callback_id: VIEWS.cancel, private_metadata: form.view.private_metadata as string },
    values: {
      [FIELDS.cancelReason]: { [inputAction(FIELDS.cancelReason)]: { type: 'plain_text_input', value: reason } },
      [FIELDS.cancelScope]: { [inputAction(FIELDS.cancelScope)]: { type: 'radio_buttons', selected_option: { value: scope } } },
    },
  });
  await stack.bot.settled();
  return JSON.stringify(stack.slack.views.filter((v) => v.id === form.id).at(-1)!.view);
}

describe('a bulk request: several people in one form', () => {
  it('40 people leaving at once: one form, one approval, 40 ordinary requests each run and verified on its own', async () => {
    const crowd = Array.from({ length: 40 }, (_, i) => crowdPerson(i));
    const { stack, player } = await start({ extraSlackUsers: crowdSlackUsers(40), ibm: { seed: crowdIbmSeed(40) } });

    const res = await player.submitForm(PEOPLE.morgan, {
      person: crowd[0]!.slackUserId,
      others: crowd.slice(1).map((p) => p.slackUserId),
      reason: 'termination',
      successor: PEOPLE.taylor,
      ticket: 'RIF-2026',
    });
    expect(res.status).toBe(200);
    const requests = await batchOf(stack, 40);
    expect(new Set(requests.map((r) => r.batch?.id)).size).toBe(1);
    expect(requests.map((r) => r.batch?.size)).toEqual(Array(40).fill(40));
    expect(requests.map((r) => r.subject.email).sort()).toEqual(crowd.map((p) => p.email).sort());
    const modal = await stack.slack.waitFor(() =>
      stack.slack.views.find((v) => v.kind === 'update' && JSON.stringify(v.view).includes('40 requests to offboard')),
    );
    expect(JSON.stringify(modal.view)).toContain('and 20 more');

    await player.click(PEOPLE.alex, 'approve', requests[7]!.id);

    for (const r of requests) {
      const trail = await finishedTrail(stack, r.id, { timeoutMs: 120_000 });
      expect(eventsOf(trail, 'request.approved')).toEqual([expect.objectContaining({ actor: PEOPLE.alex, rule: 'Everyone else' })]);
      expect(eventsOf(trail, 'run.finished')).toEqual([expect.objectContaining(VERIFIED_BUT_STAGING)]);
    }
    // Each person's keys are gone from both accounts, as IBM Cloud answers now.
    const keysLeft = crowd.flatMap((p) => [ACME_PRODUCTION, ACME_STAGING].flatMap((account) => stack.ibm.apiKeysOf(account, p.iamId)));
    expect(keysLeft).toEqual([]);
  }, 240_000);

  it('is decided under the strictest rule any of its people needs: a privileged person in it makes everyone wait for two approvals', async () => {
    const { stack, player } = await start();
    // Riley is an approver, so privileged: two approvals; Jane alone would need one.
    await player.submitForm(PEOPLE.taylor, { person: PEOPLE.jane, others: [PEOPLE.riley], reason: 'resignation', successor: PEOPLE.chris, ticket: 'HR-2' });
    const [jane, riley] = await batchOf(stack, 2).then((rs) => [
      rs.find((r) => r.subject.slackUserId === PEOPLE.jane)!,
      rs.find((r) => r.subject.slackUserId === PEOPLE.riley)!,
    ]);

    expect(JSON.stringify(player.approvalMessage(jane!.id)?.blocks)).toContain(
      `*Bulk request:* ${jane!.batch!.id}, 2 people. Approve or Reject on any of their messages decides all of them still waiting, under the strictest rule any needs.`,
    );
    await player.click(PEOPLE.alex, 'approve', jane!.id);
    expect(ephemeralsFor(stack, PEOPLE.alex).at(-1)?.text).toContain(
      `Your approval of ${jane!.id} and of the 1 other requested with it is recorded. 1 of 2 approvals`,
    );
    for (const r of [jane!, riley!]) {
      const trail = await readTrail(stack, r.id);
      expect(eventsOf(trail, 'approval.recorded')).toEqual([expect.objectContaining({ actor: PEOPLE.alex, needed: 2 })]);
      expect(eventsOf(trail, 'request.approved')).toEqual([]);
    }

    await player.click(PEOPLE.morgan, 'approve', riley!.id);
    for (const r of [jane!, riley!]) {
      const trail = await finishedTrail(stack, r.id, { timeoutMs: 30_000 });
      expect(eventsOf(trail, 'request.approved')).toEqual([expect.objectContaining({ actor: PEOPLE.morgan, approvedBy: [PEOPLE.alex, PEOPLE.morgan] })]);
    }
  }, 60_000);

  it("a non-approver's click, or one by a person in the batch, approves none of it", async () => {
    const { stack, player } = await start();
    await player.submitForm(PEOPLE.chris, { person: PEOPLE.jane, others: [PEOPLE.riley], reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-3' });
    const requests = await batchOf(stack, 2);
    const jane = requests.find((r) => r.subject.slackUserId === PEOPLE.jane)!;
    const riley = requests.find((r) => r.subject.slackUserId === PEOPLE.riley)!;

    await player.click(PEOPLE.taylor, 'approve', jane.id);
    expect(ephemeralsFor(stack, PEOPLE.taylor).map((e) => e.text)).toEqual([expect.stringContaining('Only offboarding approvers can decide')]);
    // Riley, an approver, is one of the people leaving in it: his click on either message approves nobody.
    await player.click(PEOPLE.riley, 'approve', jane.id);
    expect(ephemeralsFor(stack, PEOPLE.riley).at(-1)?.text).toContain('An offboarding request about you is open, so you cannot act');
    await player.click(PEOPLE.riley, 'approve', riley.id);
    expect(ephemeralsFor(stack, PEOPLE.riley).at(-1)?.text).toContain('You cannot decide on your own offboarding.');

    for (const r of requests) {
      const trail = await readTrail(stack, r.id);
      expect(eventsOf(trail, 'approval.recorded')).toEqual([]);
      expect(eventsOf(trail, 'request.approved')).toEqual([]);
    }
    expect((await storedRequests(stack)).map((r) => r.status)).toEqual(['pending', 'pending']);
    const queued = await queueSnapshot(stack);
    expect(queued.total).toBe(0);
  });

  it('one rejection rejects everyone in it, and nothing runs', async () => {
    const { stack, player } = await start();
    await player.submitForm(PEOPLE.morgan, {
      person: PEOPLE.jane,
      others: [PEOPLE.chris, PEOPLE.pat],
      reason: 'resignation',
      successor: PEOPLE.taylor,
      ticket: 'HR-8',
    });
    const requests = await batchOf(stack, 3);

    await player.click(PEOPLE.riley, 'reject', requests[1]!.id);
    await submitRejectModal(stack, PEOPLE.riley, rejectModalsFor(stack, PEOPLE.riley)[0]!.id, 'Wrong list');
    await stack.bot.settled();

    expect((await storedRequests(stack)).map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of requests) {
      expect(eventsOf(await readTrail(stack, r.id), 'request.rejected')).toEqual([expect.objectContaining({ actor: PEOPLE.riley, reason: 'Wrong list' })]);
    }
    expect((await queueSnapshot(stack)).total).toBe(0);
  });

  it("one person in it whose approval is refused (the owner of the bot's IBM Cloud key) holds up everyone, and the refusal names them", async () => {
    const { stack, player } = await start();
    await player.submitForm(PEOPLE.morgan, { person: PEOPLE.jane, others: [PEOPLE.alex], reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-7' });
    const requests = await batchOf(stack, 2);
    const jane = requests.find((r) => r.subject.slackUserId === PEOPLE.jane)!;
    const alex = requests.find((r) => r.subject.slackUserId === PEOPLE.alex)!;

    await player.click(PEOPLE.riley, 'approve', jane.id);
    expect(ephemeralsFor(stack, PEOPLE.riley).at(-1)?.text).toContain(
      `(${alex.id}, Alex Admin, is in the same bulk request, which is approved as one: nothing was approved.)`,
    );
    for (const r of requests) expect(eventsOf(await readTrail(stack, r.id), 'request.approved')).toEqual([]);
    expect((await storedRequests(stack)).map((r) => r.status)).toEqual(['pending', 'pending']);
  });

  it('takes others by email too: someone Slack knows by it, and someone without a Slack account', async () => {
    const { stack, player } = await start();
    await player.submitForm(PEOPLE.morgan, {
      person: PEOPLE.jane,
      otherEmails: ['Chris.Contractor@acme.example', 'xavier@contractor.example', 'chris.contractor@acme.example'],
      reason: 'contract_end',
      successor: PEOPLE.taylor,
      ticket: 'HR-9',
    });
    const requests = await batchOf(stack, 3);
    // The address typed twice (in another letter case) is one person.
    expect(requests.map((r) => [r.subject.slackUserId, r.subject.email]).sort((a, b) => String(a[1]).localeCompare(String(b[1])))).toEqual([
      [PEOPLE.chris, 'Chris.Contractor@acme.example'],
      [PEOPLE.jane, 'jane.doe@acme.example'],
      [null, 'xavier@contractor.example'],
    ]);
    expect(requests.map((r) => r.batch?.size)).toEqual([3, 3, 3]);
  });

  it("retries everyone's failed steps from one button, for approvers only", async () => {
    const crowd = Array.from({ length: 3 }, (_, i) => crowdPerson(i));
    const { stack, player } = await start({ extraSlackUsers: crowdSlackUsers(3), ibm: { seed: crowdIbmSeed(3) } });
    stack.ibm.inject({ method: 'DELETE', path: '/v1/apikeys/', status: 403 });
    await player.submitForm(PEOPLE.morgan, {
      person: crowd[0]!.slackUserId,
      others: crowd.slice(1).map((p) => p.slackUserId),
      reason: 'termination',
      successor: PEOPLE.taylor,
      ticket: 'RIF-3',
    });
    const requests = await batchOf(stack, 3);
    await player.click(PEOPLE.alex, 'approve', requests[0]!.id);
    for (const r of requests) expect(eventsOf(await finishedTrail(stack, r.id, { timeoutMs: 60_000 }), 'run.finished')[0]?.outcome).toBe('failures');
    const checklist = await stack.slack.waitFor(() => {
      const c = player.checklist(requests[1]!.id);
      return c && JSON.stringify(c.blocks).includes("Retry everyone's failed steps (3 people)") ? c : undefined;
    });
    expect(checklist).toBeDefined();

    // As an approver sees it: every member's round has finished (its evidence filed, its status moved on).
    await eventually(async () => ((await storedRequests(stack)).every((r) => r.status === 'completed') ? true : undefined), 60_000, 'every member completed');
    stack.ibm.clearFaults();
    await player.checklistButton(PEOPLE.taylor, 'retryBatch', requests[1]!.id);
    expect(ephemeralsFor(stack, PEOPLE.taylor).map((e) => e.text)).toEqual([expect.stringContaining('Only offboarding approvers')]);
    for (const r of requests) expect(eventsOf(await readTrail(stack, r.id), 'run.finished')).toHaveLength(1);

    await player.checklistButton(PEOPLE.riley, 'retryBatch', requests[1]!.id);
    for (const r of requests) {
      const trail = await finishedTrail(stack, r.id, { rounds: 2, timeoutMs: 60_000 });
      expect(eventsOf(trail, 'run.finished').map((f) => f.outcome)).toEqual(['failures', 'unchecked']);
    }
    const keysLeft = crowd.flatMap((p) => [ACME_PRODUCTION, ACME_STAGING].flatMap((account) => stack.ibm.apiKeysOf(account, p.iamId)));
    expect(keysLeft).toEqual([]);
  }, 180_000);

  it('stores nobody when one of the others cannot be offboarded, and says who, in the form', async () => {
    const { stack, player } = await start();
    await player.submitForm(PEOPLE.chris, { person: PEOPLE.jane, others: [PEOPLE.deployBot], reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-4' });
    const shown = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'update' && JSON.stringify(v.view).includes('Please fix')));
    expect(JSON.stringify(shown.view)).toContain('*Others leaving with them* Deploy Bot: Deploy Bot is a bot or app, not a person.');
    expect(JSON.stringify(shown.view)).toContain(FIELDS.others);
    expect(await storedRequests(stack)).toEqual([]);
  });

  it('is cancelled one person at a time or all at once; someone who may not cancel cancels none of it', async () => {
    const { stack, player } = await start();
    await player.submitForm(PEOPLE.morgan, {
      person: PEOPLE.jane,
      others: [PEOPLE.chris, PEOPLE.pat],
      reason: 'resignation',
      successor: PEOPLE.taylor,
      ticket: 'HR-6',
    });
    const requests = await batchOf(stack, 3);
    const of = (user: string) => requests.find((r) => r.subject.slackUserId === user)!.id;
    const statuses = async () => Object.fromEntries((await storedRequests(stack)).map((r) => [r.subject.slackUserId, r.status]));

    // Taylor neither requested it nor approves: the form does not even open, and nothing is cancelled.
    await player.click(PEOPLE.taylor, 'cancel', of(PEOPLE.jane));
    expect(ephemeralsFor(stack, PEOPLE.taylor).map((e) => e.text)).toEqual([
      expect.stringContaining('Only the requester or an offboarding approver can cancel'),
    ]);
    expect(await statuses()).toEqual({ [PEOPLE.jane]: 'pending', [PEOPLE.chris]: 'pending', [PEOPLE.pat]: 'pending' });

    expect(await cancelAs(stack, player, PEOPLE.morgan, of(PEOPLE.jane), 'Jane stays', 'one')).toContain('is cancelled; nothing will be removed');
    expect(await statuses()).toEqual({ [PEOPLE.jane]: 'cancelled', [PEOPLE.chris]: 'pending', [PEOPLE.pat]: 'pending' });

    const shown = await cancelAs(stack, player, PEOPLE.riley, of(PEOPLE.chris), 'Reorganisation called off', 'all');
    expect(shown).toContain('2 requests of this bulk request are cancelled; nothing will be removed.');
    expect(shown).toContain(`Not cancelled, because their run has started or they were already decided: ${of(PEOPLE.jane)}.`);
    expect(await statuses()).toEqual({ [PEOPLE.jane]: 'cancelled', [PEOPLE.chris]: 'cancelled', [PEOPLE.pat]: 'cancelled' });
    for (const user of [PEOPLE.chris, PEOPLE.pat]) {
      expect(eventsOf(await readTrail(stack, of(user)), 'request.cancelled')).toEqual([
        expect.objectContaining({ actor: PEOPLE.riley, reason: 'Reorganisation called off' }),
      ]);
    }
    expect((await queueSnapshot(stack)).total).toBe(0);
  });
});
