import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { crowdIbmSeed, crowdPerson, crowdSlackUsers } from '../../app/demo/crowd.js';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { SlackPlayer } from '../../app/demo/slack-player.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING } from '../../src/simulators/ibm-cloud/index.js';
import type { OffboardRequest } from '../../src/requests/request.js';
import { startOffboardBot } from '../../app/offboard-bot.js';
import { createLogger } from '../../src/logger.js';
import { approvedTerms, termsDigest } from '../../src/requests/approval-terms.js';
import type { BatchDecision } from '../../src/requests/batch-decision.js';
import { canonicalJson, sha256Hex } from '../../src/audit/audit-chain.js';
import type { BatchSummary } from '../../src/evidence/batch-summary.js';
import type { SummaryManifest } from '../../src/evidence/pack-signing.js';
import { EXIT } from '../../src/verify/exit-codes.js';
import { verifySummaryFile } from '../../src/verify/verify-pack.js';
import { runView } from '../../src/runs/run-view.js';
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
  withStore,
} from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

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

    // One combined checklist in the approval channel, one line per person, each linking to their own thread.
    const batchId = requests[0]!.batch!.id;
    const combined = await stack.slack.waitFor(
      () => {
        const m = player.batchChecklist(batchId);
        return m?.text === `Bulk request ${batchId}: 0 of 40 people verified, 40 verified except where a step could not look.` ? m : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const shown = JSON.stringify(combined.blocks);
    for (const r of requests) {
      const thread = player.approvalMessage(r.id)!;
      const link = `https://sim-workspace.slack.com/archives/${thread.channel}/p${thread.ts.replace('.', '')}`;
      expect(shown).toContain(`:grey_question: <${link}|${r.id}> ${r.subject.name}: verified, except 1 step(s) not checked`);
    }
    expect(shown.match(/:grey_question: </g)).toHaveLength(40);
    expect(stack.slack.messages(APPROVAL_CHANNEL).filter((m) => m.text.startsWith(`Bulk request ${batchId}:`))).toHaveLength(1);
    // Each person keeps their own checklist in their thread.
    for (const r of requests) expect(player.checklist(r.id)).toBeDefined();
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
    // Each refusal is recorded on the request it was about.
    expect(eventsOf(await readTrail(stack, jane.id), 'approval.refused').map((e) => [e.actor, e.action, e.reason])).toEqual([
      [PEOPLE.taylor, 'approve', expect.stringContaining('Only offboarding approvers can decide')],
      [PEOPLE.riley, 'approve', expect.stringContaining('An offboarding request about you is open')],
    ]);
    expect(eventsOf(await readTrail(stack, riley.id), 'approval.refused').map((e) => [e.actor, e.action])).toEqual([[PEOPLE.riley, 'approve']]);

    for (const r of requests) {
      const trail = await readTrail(stack, r.id);
      expect(eventsOf(trail, 'approval.recorded')).toEqual([]);
      expect(eventsOf(trail, 'request.approved')).toEqual([]);
    }
    expect((await storedRequests(stack)).map((r) => r.status)).toEqual(['pending', 'pending']);
    // No decision of the batch is stored for anyone to apply later.
    expect(await withStore(stack, (store) => store.batchDecision(jane.batch!.id))).toBeUndefined();
    expect(await withStore(stack, (store) => store.openBatchDecisions())).toEqual([]);
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
    // Nothing runs, so there is no combined checklist either.
    expect(player.batchChecklist(requests[0]!.batch!.id)).toBeUndefined();
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
    // The combined checklist says the same, and offers the same button.
    const combined = await stack.slack.waitFor(() => {
      const c = player.batchChecklist(requests[0]!.batch!.id);
      return c && JSON.stringify(c.blocks).includes(':x: 3 failed') ? c : undefined;
    });
    expect(JSON.stringify(combined.blocks)).toContain("Retry everyone's failed steps (3 people)");

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

/**
 * What a click approving a bulk request writes before it dies part-way: the batch's decision, and
 * (`flipFirst`) the first request's status flip, and nothing after (its trail entry, its run, the others).
 */
async function crashPartWay(
  stack: LocalStack,
  requests: OffboardRequest[],
  by: string,
  { flipFirst, ageMs }: { flipFirst: boolean; ageMs: number },
): Promise<BatchDecision> {
  return withStore(stack, async (store) => {
    const at = new Date(Date.now() - ageMs).toISOString();
    const members = [];
    for (const r of requests) {
      const digest = termsDigest(approvedTerms(r, runView(await readTrail(stack, r.id)).preview));
      members.push({ id: r.id, approvers: [PEOPLE.alex, PEOPLE.riley], digest, rule: 'Everyone else' });
    }
    const decision = await store.decideBatch({ batchId: requests[0]!.batch!.id, outcome: 'approved', by, at, members });
    if (!flipFirst) return decision;
    const { applied } = await store.patch(requests[0]!.id, { status: 'approved', decision: { outcome: 'approved', by, at } }, ['pending']);
    expect(applied).toBe(true);
    return decision;
  });
}

describe('a crash in the middle of a bulk approval', () => {
  it('leaves the decision stored: when the bot starts again the reconciler approves the others with it, and nobody is approved twice', async () => {
    const { stack, player } = await start();
    await player.submitForm(PEOPLE.morgan, {
      person: PEOPLE.jane,
      others: [PEOPLE.chris, PEOPLE.pat],
      reason: 'resignation',
      successor: PEOPLE.taylor,
      ticket: 'RIF-9',
    });
    const requests = await batchOf(stack, 3);
    await stack.bot.stop();
    // A moment ago: the reconciler's pass at start-up leaves it to settle, then finishes it.
    await crashPartWay(stack, requests, PEOPLE.alex, { flipFirst: true, ageMs: 0 });
    expect((await storedRequests(stack)).map((r) => r.status).sort()).toEqual(['approved', 'pending', 'pending']);

    const restarted = await startOffboardBot(stack.config, { logger: createLogger('silent') });
    try {
      for (const [i, r] of requests.entries()) {
        const trail = await finishedTrail(stack, r.id, { timeoutMs: 30_000 });
        expect(eventsOf(trail, 'request.approved')).toEqual([expect.objectContaining({ actor: PEOPLE.alex })]);
        expect(eventsOf(trail, 'run.planned')).toHaveLength(1);
        expect(eventsOf(trail, 'run.finished')).toEqual([expect.objectContaining(VERIFIED_BUT_STAGING)]);
        // The first had flipped before the crash: its run is what was missing. The others get the stored decision.
        expect(eventsOf(trail, 'run.reconciled').map((e) => e.action)).toEqual([i === 0 ? 'run-started' : 'batch-approved']);
      }
      expect(await withStore(stack, (store) => store.openBatchDecisions())).toEqual([]);
      // The combined checklist is posted from the stored decision, naming who approved.
      const batchId = requests[0]!.batch!.id;
      const combined = await stack.slack.waitFor(
        () => {
          const m = player.batchChecklist(batchId);
          return m?.text === `Bulk request ${batchId}: 0 of 3 people verified, 3 verified except where a step could not look.` ? m : undefined;
        },
        { timeoutMs: 20_000 },
      );
      expect(JSON.stringify(combined.blocks)).toContain(`3 people, approved by <@${PEOPLE.alex}>`);
    } finally {
      await restarted.stop();
    }
  }, 90_000);

  it('the next click on any of its requests finishes applying the stored decision, and neither rejects nor approves anyone again', async () => {
    const { stack, player } = await start();
    await player.submitForm(PEOPLE.morgan, {
      person: PEOPLE.jane,
      others: [PEOPLE.chris, PEOPLE.pat],
      reason: 'resignation',
      successor: PEOPLE.taylor,
      ticket: 'RIF-10',
    });
    const requests = await batchOf(stack, 3);
    // The click died right after storing the decision: nobody is approved yet, and nothing says so but the record.
    await crashPartWay(stack, requests, PEOPLE.alex, { flipFirst: false, ageMs: 60_000 });
    expect((await storedRequests(stack)).map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);

    // A rejection now would go against the approval stored: it applies that approval instead.
    await player.click(PEOPLE.riley, 'reject', requests[2]!.id);
    await submitRejectModal(stack, PEOPLE.riley, rejectModalsFor(stack, PEOPLE.riley)[0]!.id, 'Too late');
    await stack.bot.settled();
    for (const r of requests) {
      const trail = await finishedTrail(stack, r.id, { timeoutMs: 30_000 });
      expect(eventsOf(trail, 'request.approved')).toEqual([expect.objectContaining({ actor: PEOPLE.alex })]);
      expect(eventsOf(trail, 'request.rejected')).toEqual([]);
      expect(eventsOf(trail, 'run.finished')).toEqual([expect.objectContaining(VERIFIED_BUT_STAGING)]);
    }
    // A later approval click finds everyone decided and records nothing more.
    await player.click(PEOPLE.riley, 'approve', requests[1]!.id);
    for (const r of requests) {
      const trail = await readTrail(stack, r.id);
      expect(eventsOf(trail, 'request.approved')).toHaveLength(1);
      expect(eventsOf(trail, 'run.planned')).toHaveLength(1);
    }
    expect(await withStore(stack, (store) => store.openBatchDecisions())).toEqual([]);
  }, 90_000);
});

describe("a bulk request's summary in the evidence", () => {
  it('is sent to compliance once the batch has finished, and to an approver asking with /offboard report <bulk id>: JSON, PDF and signed manifest, listing each person, their request, state and pack digest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batch-summary-'));
    const keys = generateKeyPairSync('ed25519');
    const keyFile = join(dir, 'signing.pem');
    writeFileSync(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const { stack, player } = await start({
      env: {
        OFFBOARD_COMPLIANCE: PEOPLE.taylor,
        OFFBOARD_EVIDENCE_IN_THREAD: 'false',
        OFFBOARD_SIGNING_KEY_FILE: keyFile,
        OFFBOARD_SIGNING_KEY_ID: 'test-2026',
      },
    });
    await player.submitForm(PEOPLE.morgan, { person: PEOPLE.jane, others: [PEOPLE.chris], reason: 'resignation', successor: PEOPLE.taylor, ticket: 'RIF-11' });
    const requests = await batchOf(stack, 2);
    const batchId = requests[0]!.batch!.id;
    await player.click(PEOPLE.alex, 'approve', requests[0]!.id);
    for (const r of requests) await player.evidence(r.id, 60_000);
    const name = `offboarding-batch-summary-${batchId}`;
    const dmOf = (user: string) => stack.slack.messages(user)[0]?.channel;
    const summaryFilesOf = (user: string) => stack.slack.files.filter((f) => f.filename.startsWith(name) && f.channelId === dmOf(user));

    // Compliance is sent it unasked once the last run of the batch has finished, as each person's pack.
    const files = await stack.slack.waitFor(() => (summaryFilesOf(PEOPLE.taylor).length === 3 ? summaryFilesOf(PEOPLE.taylor) : undefined), {
      timeoutMs: 20_000,
    });
    const file = (suffix: string) => files.find((f) => f.filename === `${name}${suffix}`)!;

    // Pat neither approves nor is compliance: refused, recorded on each request of it, and nothing is sent.
    await stack.events.slashCommand({ command: '/offboard', text: `report ${batchId}`, userId: PEOPLE.pat, channelId: APPROVAL_CHANNEL });
    await stack.bot.settled();
    expect(stack.slack.ephemerals.filter((e) => e.user === PEOPLE.pat).map((e) => e.text)).toEqual([
      expect.stringContaining('Only offboarding approvers and compliance'),
    ]);
    for (const r of requests)
      expect(eventsOf(await readTrail(stack, r.id), 'evidence.refused')).toEqual([expect.objectContaining({ actor: PEOPLE.pat, via: 'command' })]);
    expect(stack.slack.files.filter((f) => f.filename.startsWith(name))).toHaveLength(3);

    // An approver asking gets it too; compliance got it once.
    await stack.events.slashCommand({ command: '/offboard', text: `report ${batchId}`, userId: PEOPLE.alex, channelId: APPROVAL_CHANNEL });
    await stack.bot.settled();
    expect(stack.slack.ephemerals.filter((e) => e.user === PEOPLE.alex).at(-1)?.text).toContain(`The summary of bulk request *${batchId}* (2 requests`);
    await stack.slack.waitFor(() => summaryFilesOf(PEOPLE.alex).length === 3 || undefined, { timeoutMs: 20_000 });
    expect(summaryFilesOf(PEOPLE.taylor)).toHaveLength(3);

    // A batch has no trail of its own: each request of it records who was given the summary, how, and which.
    const sentTo = (user: string) => ({
      type: 'batch.summary_sent',
      batchId,
      actor: user,
      requests: 2,
      sha256: sha256Hex(summaryFilesOf(user).find((f) => f.filename === `${name}.json`)!.bytes),
      files: summaryFilesOf(user).map((f) => expect.objectContaining({ name: f.filename })),
    });
    for (const r of requests) {
      const sent = await eventually(async () => {
        const recorded = eventsOf(await readTrail(stack, r.id), 'batch.summary_sent');
        return recorded.length === 2 && recorded;
      });
      expect(sent).toEqual([
        expect.objectContaining({ ...sentTo(PEOPLE.taylor), via: 'compliance' }),
        expect.objectContaining({ ...sentTo(PEOPLE.alex), via: 'command' }),
      ]);
    }
    // Pat, refused, was given nothing: no record of it.
    for (const r of requests) expect(eventsOf(await readTrail(stack, r.id), 'batch.summary_sent').filter((e) => e.actor === PEOPLE.pat)).toEqual([]);

    const summary = JSON.parse(file('.json').bytes.toString('utf8')) as BatchSummary;
    expect(summary).toMatchObject({ batch_id: batchId, size: 2, decision: { outcome: 'approved', by: PEOPLE.alex } });
    const expected = [];
    for (const r of [...requests].sort((a, b) => a.id.localeCompare(b.id))) {
      const [report] = eventsOf(await readTrail(stack, r.id), 'report.published');
      expected.push({
        request_id: r.id,
        subject: { name: r.subject.name, email: r.subject.email, slack_user_id: r.subject.slackUserId },
        state: 'completed',
        last_outcome: 'unchecked',
        pack: expect.objectContaining({ round: 1, sha256: report!.sha256, chain_head: report!.chainHead, key_id: 'test-2026' }),
      });
    }
    expect(summary.members).toEqual(expected.map((e) => expect.objectContaining(e)));

    // Signed as the packs are: the manifest signs both files' SHA-256 with the configured key.
    const manifest = JSON.parse(file('.manifest.json').bytes.toString('utf8')) as SummaryManifest;
    expect(manifest).toMatchObject({
      batch_id: batchId,
      key_id: 'test-2026',
      json_sha256: sha256Hex(file('.json').bytes),
      pdf_sha256: sha256Hex(file('.pdf').bytes),
    });
    const { signature, ...signed } = manifest;
    expect(verify(null, Buffer.from(canonicalJson(signed)), keys.publicKey, Buffer.from(signature, 'base64'))).toBe(true);
    // As `npm run verify -- <summary.json> --manifest … --public-key …` checks it; one changed byte fails.
    expect(verifySummaryFile(file('.json').bytes, manifest, keys.publicKey, file('.pdf').bytes)).toMatchObject({ code: EXIT.intact });
    const altered = Buffer.from(file('.json').bytes.toString('utf8').replace('"completed"', '"cancelled"'));
    expect(verifySummaryFile(altered, manifest, keys.publicKey, file('.pdf').bytes)).toMatchObject({ code: EXIT.packChanged });
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(file('.pdf').bytes)), { mergePages: true });
    for (const r of requests) expect(text).toContain(r.id);
  }, 120_000);
});
