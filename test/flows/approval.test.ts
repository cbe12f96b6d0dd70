import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { FormAnswers } from '../../app/demo/request-form-values.js';
import type { SlackPlayer } from '../../app/demo/slack-player.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING, JANE_EMAIL } from '../../src/simulators/ibm-cloud/index.js';
import { FIELDS, VIEWS } from '../../src/slack/blocks/ids.js';
import {
  ephemeralsFor,
  eventsOf,
  expectedJobIds,
  hasDecisionButtons,
  queueSnapshot,
  readTrail,
  rejectModalsFor,
  submitRejectModal,
  VERIFIED_BUT_STAGING,
  waitForRunToFinish,
} from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

/**
 * 2 IBM Cloud accounts × 10 steps (API keys, access groups, rule-based groups, policies, trusted
 * profiles; the keys of service IDs they created, those service IDs, the credentials and instances,
 * the keys on others' service IDs and profiles they created; membership), the job finding the person
 * first, and the finishing parent.
 */
const JOBS_PER_RUN = 22;
/** The looks for access that came back, scheduled once the deletion has finished (1 h, 1 d, 7 d, 30 d). */
const RESCANS = 4;

/** Jane leaves; the successor is Chris, who plays no part in any decision below. */
const janeLeaves: FormAnswers = {
  person: PEOPLE.jane,
  reason: 'resignation',
  successor: PEOPLE.chris,
  ticket: 'HR-1042',
  notes: 'Last day Friday',
};

const ALEX = `<@${PEOPLE.alex}>`;

function approvalBlocksText(player: SlackPlayer, id: string): string {
  return JSON.stringify(player.approvalMessage(id)?.blocks ?? []);
}

/** DMs the bot sent the requester saying the request was approved / rejected. */
function decisionDms(stack: LocalStack, userId: string, id: string, outcome: 'approved' | 'rejected') {
  return stack.slack.messages(userId).filter((m) => m.text.includes(id) && m.text.includes(`was ${outcome} by`));
}

/** Everything a refused or rejected request must NOT have caused. */
async function expectNoRunStarted(stack: LocalStack, player: SlackPlayer, id: string, requester: string) {
  const trail = await readTrail(stack, id);
  expect(eventsOf(trail, 'request.approved')).toEqual([]);
  expect(eventsOf(trail, 'run.planned')).toEqual([]);
  expect(eventsOf(trail, 'step.started')).toEqual([]);

  const queues = await queueSnapshot(stack);
  expect(queues.jobIds).toEqual([]);
  expect(queues.total).toBe(0);

  expect(player.checklist(id)).toBeUndefined();
  expect(decisionDms(stack, requester, id, 'approved')).toEqual([]);
  for (const account of [ACME_PRODUCTION, ACME_STAGING]) {
    expect(stack.ibm.userInAccount(account, JANE_EMAIL), `Jane is still in ${account}`).toBeDefined();
  }
}

/** The approval message is still pending, buttons in place, edited only by the read-only preview. */
function expectStillPending(player: SlackPlayer, id: string) {
  const message = player.approvalMessage(id);
  expect(message).toBeDefined();
  expect(message!.edits).toBe(1);
  expect(message!.text).toContain('approval needed');
  expect(hasDecisionButtons(message!.blocks, id)).toBe(true);
  expect(approvalBlocksText(player, id)).not.toMatch(/\*(Approved|Rejected)\*/);
}

async function expectRefusalRecorded(stack: LocalStack, id: string, actor: string, action: 'approve' | 'reject', reason: RegExp) {
  const refusals = eventsOf(await readTrail(stack, id), 'approval.refused');
  expect(refusals).toHaveLength(1);
  expect(refusals[0]).toMatchObject({ actor, action });
  expect(refusals[0]!.reason).toMatch(reason);
  // The person is told the very reason the trail records.
  const told = ephemeralsFor(stack, actor);
  expect(told).toHaveLength(1);
  expect(told[0]!.text).toContain(refusals[0]!.reason);
}

describe('who may approve', () => {
  it('refuses Approve from someone who is not an offboarding approver, tells them why, and starts nothing', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves);

    const res = await player.click(PEOPLE.taylor, 'approve', id);
    expect(res.status).toBe(200);

    const notices = ephemeralsFor(stack, PEOPLE.taylor);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).toContain('Only offboarding approvers can decide');
    expect(stack.slack.ephemerals.filter((e) => e.user !== PEOPLE.taylor)).toEqual([]);

    expectStillPending(player, id);
    await expectRefusalRecorded(stack, id, PEOPLE.taylor, 'approve', /Only offboarding approvers/);
    await expectNoRunStarted(stack, player, id, PEOPLE.morgan);
  });

  it('refuses Approve from the requester even though they are an approver, and starts nothing', async () => {
    const { stack, player } = await start();
    // Morgan is an approver and is not the one leaving: only the "not your own request" rule applies.
    const id = await player.request(PEOPLE.morgan, janeLeaves);

    const res = await player.click(PEOPLE.morgan, 'approve', id);
    expect(res.status).toBe(200);

    const notices = ephemeralsFor(stack, PEOPLE.morgan);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).toContain('You requested this offboarding, so another approver must decide on it.');

    expectStillPending(player, id);
    await expectRefusalRecorded(stack, id, PEOPLE.morgan, 'approve', /You requested this offboarding/);
    await expectNoRunStarted(stack, player, id, PEOPLE.morgan);
  });

  it('refuses Approve from the person leaving even though they are an approver, and starts nothing', async () => {
    const { stack, player } = await start();
    // Morgan requests Riley's offboarding; Riley is an approver but did not request it: only the "not your own offboarding" rule applies.
    const id = await player.request(PEOPLE.morgan, { ...janeLeaves, person: PEOPLE.riley });

    const res = await player.click(PEOPLE.riley, 'approve', id);
    expect(res.status).toBe(200);

    const notices = ephemeralsFor(stack, PEOPLE.riley);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).toContain('You cannot decide on your own offboarding.');

    expectStillPending(player, id);
    await expectRefusalRecorded(stack, id, PEOPLE.riley, 'approve', /your own offboarding/);
    await expectNoRunStarted(stack, player, id, PEOPLE.morgan);
  });
});

describe('approving', () => {
  it('starts one run when Approve is clicked twice; the second click is told it was already approved', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves);

    expect((await player.click(PEOPLE.alex, 'approve', id)).status).toBe(200);
    expect(ephemeralsFor(stack, PEOPLE.alex)).toEqual([]);
    expect((await player.click(PEOPLE.alex, 'approve', id)).status).toBe(200);

    const notices = ephemeralsFor(stack, PEOPLE.alex);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).toContain(`Request ${id} was already approved by ${ALEX}; nothing changed.`);

    const queues = await waitForRunToFinish(stack, id, JOBS_PER_RUN);
    const trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'request.approved')).toEqual([expect.objectContaining({ actor: PEOPLE.alex })]);
    expect(eventsOf(trail, 'run.planned')).toHaveLength(1);
    expect(eventsOf(trail, 'run.finished')).toEqual([expect.objectContaining(VERIFIED_BUT_STAGING)]);
    expect(queues.total).toBe(JOBS_PER_RUN + RESCANS);
    expect(queues.completed).toBe(JOBS_PER_RUN);
    expect(queues.counts.revocations.completed).toBe(20);
    expect(queues.counts.runs.completed).toBe(2); // finding the person, then finishing the run
    expect(queues.jobIds).toEqual(expectedJobIds(id, trail));

    const message = await stack.slack.waitFor(() => {
      const m = player.approvalMessage(id);
      return m?.text.includes('(approved)') ? m : undefined;
    });
    expect(hasDecisionButtons(message.blocks, id)).toBe(false);
    expect(approvalBlocksText(player, id)).toContain(`*Approved* by ${ALEX}`);
    expect(message.edits).toBe(2); // the read-only preview, then the decision
    expect(decisionDms(stack, PEOPLE.morgan, id, 'approved')).toHaveLength(1);
    for (const account of [ACME_PRODUCTION, ACME_STAGING]) expect(stack.ibm.userInAccount(account, JANE_EMAIL)).toBeUndefined();

    // A click long after the run finished changes nothing either.
    expect((await player.click(PEOPLE.riley, 'approve', id)).status).toBe(200);
    expect(ephemeralsFor(stack, PEOPLE.riley).map((e) => e.text)).toEqual([`Request ${id} was already approved by ${ALEX}; nothing changed.`]);
    expect(eventsOf(await readTrail(stack, id), 'run.planned')).toHaveLength(1);
    expect((await queueSnapshot(stack)).total).toBe(JOBS_PER_RUN + RESCANS);
    expect(player.approvalMessage(id)!.edits).toBe(2); // the read-only preview, then the decision
  });

  it('starts exactly one run when two approvers click Approve five times at the same moment', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves);

    const clickers = [PEOPLE.alex, PEOPLE.riley, PEOPLE.alex, PEOPLE.riley, PEOPLE.alex];
    const responses = await Promise.all(clickers.map((u) => player.click(u, 'approve', id)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);

    const approved = eventsOf(await readTrail(stack, id), 'request.approved');
    expect(approved).toHaveLength(1);
    const winner = approved[0]!.actor;
    expect([PEOPLE.alex, PEOPLE.riley]).toContain(winner);

    // The four clicks that lost are each told who won.
    const notices = stack.slack.ephemerals.filter((e) => e.channel === APPROVAL_CHANNEL);
    expect(notices).toHaveLength(4);
    for (const n of notices) expect(n.text).toBe(`Request ${id} was already approved by <@${winner}>; nothing changed.`);

    const queues = await waitForRunToFinish(stack, id, JOBS_PER_RUN);
    const trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'request.approved')).toHaveLength(1);
    expect(eventsOf(trail, 'run.planned')).toHaveLength(1);
    expect(eventsOf(trail, 'run.finished')).toHaveLength(1);
    expect(queues.total).toBe(JOBS_PER_RUN + RESCANS);
    expect(queues.jobIds).toEqual(expectedJobIds(id, trail));

    await stack.slack.waitFor(() => approvalBlocksText(player, id).includes(`*Approved* by <@${winner}>`));
    expect(player.approvalMessage(id)!.edits).toBe(2); // the read-only preview, then the decision
    expect(decisionDms(stack, PEOPLE.morgan, id, 'approved')).toHaveLength(1);
  });
});

describe('rejecting', () => {
  it('asks for a reason in a modal, insists on one, then shows the rejection, tells the requester why and starts nothing', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves);

    expect((await player.click(PEOPLE.alex, 'reject', id)).status).toBe(200);
    expect(ephemeralsFor(stack, PEOPLE.alex)).toEqual([]);
    const modals = rejectModalsFor(stack, PEOPLE.alex);
    expect(modals).toHaveLength(1);
    expect(stack.slack.callsTo('views.open').filter((c) => c.ok && (c.args.view as { callback_id?: string }).callback_id === VIEWS.reject)).toHaveLength(1);
    const modal = modals[0]!;
    expect(JSON.parse(String(modal.view.private_metadata))).toEqual({ requestId: id });
    expect(JSON.stringify(modal.view.blocks)).toContain(`"block_id":"${FIELDS.rejectReason}"`);
    // Opening the modal decides nothing.
    expectStillPending(player, id);

    for (const empty of [null, '   ']) {
      const res = await submitRejectModal(stack, PEOPLE.alex, modal.id, empty);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ response_action: 'errors', errors: { [FIELDS.rejectReason]: expect.stringMatching(/\S/) } });
      expect(Object.keys((res.json as { errors: object }).errors)).toEqual([FIELDS.rejectReason]);
    }
    expectStillPending(player, id);
    expect(eventsOf(await readTrail(stack, id), 'request.rejected')).toEqual([]);
    expect(decisionDms(stack, PEOPLE.morgan, id, 'rejected')).toEqual([]);

    const reason = 'Wrong person: Jane is moving to the Data team, not leaving';
    const res = await submitRejectModal(stack, PEOPLE.alex, modal.id, reason);
    expect(res.status).toBe(200);
    // Answered at once with "Rejecting…"; the decision (which asks Slack who approves) then updates the modal.
    expect(res.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Reject offboarding' } } });
    expect(JSON.stringify((res.json as { view: unknown }).view)).toContain(`Rejecting request *${id}*`);
    const outcome = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'update' && v.id === modal.id));
    expect(JSON.stringify(outcome.view)).toContain(`Request *${id}* is rejected. The requester has been told why.`);
    await stack.slack.waitFor(() => player.approvalMessage(id)?.text.includes('(rejected)'));

    const message = player.approvalMessage(id)!;
    expect(message.text).toContain('(rejected)');
    expect(hasDecisionButtons(message.blocks, id)).toBe(false);
    expect(approvalBlocksText(player, id)).toContain(`*Rejected* by ${ALEX}`);
    expect(approvalBlocksText(player, id)).toContain(reason);

    const dms = await stack.slack.waitFor(() => {
      const found = decisionDms(stack, PEOPLE.morgan, id, 'rejected');
      return found.length ? found : undefined;
    });
    expect(dms).toHaveLength(1);
    expect(dms[0]!.text).toContain(`rejected by ${ALEX}`);
    expect(dms[0]!.text).toContain(reason);
    expect(stack.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === PEOPLE.morgan && String(c.args.text).includes(reason))).toHaveLength(1);

    const trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'request.rejected')).toEqual([expect.objectContaining({ actor: PEOPLE.alex, reason })]);
    expect(eventsOf(trail, 'approval.refused')).toEqual([]);
    await expectNoRunStarted(stack, player, id, PEOPLE.morgan);
  });

  it('shows a reject reason exactly as typed, without letting it act as Slack markup', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves);

    await player.click(PEOPLE.alex, 'reject', id);
    const modal = rejectModalsFor(stack, PEOPLE.alex)[0]!;
    const reason = 'Duplicate of <HR-1041> & already handled <!channel>';
    const res = await submitRejectModal(stack, PEOPLE.alex, modal.id, reason);
    expect(res.status).toBe(200);

    const escaped = 'Duplicate of &lt;HR-1041&gt; &amp; already handled &lt;!channel&gt;';
    // The decision lands after the modal's answer; the message and the DM are Slack jobs after it.
    await stack.slack.waitFor(() => approvalBlocksText(player, id).includes('*Rejected*') && decisionDms(stack, PEOPLE.morgan, id, 'rejected').length > 0);
    const section = JSON.stringify(player.approvalMessage(id)!.blocks);
    expect(section).toContain(`*Rejected* by ${ALEX}`);
    // Typed text must not become a link or an @channel ping in the approval channel or the requester's DM.
    expect(section).not.toContain('<!channel>');
    expect(section).toContain(escaped);
    const dm = decisionDms(stack, PEOPLE.morgan, id, 'rejected')[0]!;
    expect(dm.text).not.toContain('<!channel>');
    expect(dm.text).toContain(escaped);
    // The trail keeps the reason as typed.
    expect(eventsOf(await readTrail(stack, id), 'request.rejected')[0]!.reason).toBe(reason);
  });

  it('answers Reject after approval with "already approved", opens no modal and changes nothing', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    await player.click(PEOPLE.alex, 'approve', id);
    await stack.slack.waitFor(() => approvalBlocksText(player, id).includes(`*Approved* by ${ALEX}`));
    const before = player.approvalMessage(id)!;
    const beforeBlocks = JSON.stringify(before.blocks);
    const beforeEdits = before.edits;

    expect((await player.click(PEOPLE.riley, 'reject', id)).status).toBe(200);

    expect(ephemeralsFor(stack, PEOPLE.riley).map((e) => e.text)).toEqual([`Request ${id} was already approved by ${ALEX}; nothing changed.`]);
    expect(rejectModalsFor(stack, PEOPLE.riley)).toEqual([]);
    expect(stack.slack.views.filter((v) => v.userId === PEOPLE.riley)).toEqual([]);
    expect(JSON.stringify(player.approvalMessage(id)!.blocks)).toBe(beforeBlocks);
    expect(player.approvalMessage(id)!.edits).toBe(beforeEdits);

    const queues = await waitForRunToFinish(stack, id, JOBS_PER_RUN);
    const trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'request.rejected')).toEqual([]);
    expect(eventsOf(trail, 'approval.refused')).toEqual([]);
    expect(eventsOf(trail, 'run.planned')).toHaveLength(1);
    expect(queues.total).toBe(JOBS_PER_RUN + RESCANS);
    expect(decisionDms(stack, PEOPLE.morgan, id, 'rejected')).toEqual([]);
    for (const account of [ACME_PRODUCTION, ACME_STAGING]) expect(stack.ibm.userInAccount(account, JANE_EMAIL)).toBeUndefined();
  });

  it('refuses a reject modal submitted after someone else approved, keeping the approval', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves);

    await player.click(PEOPLE.riley, 'reject', id);
    const modal = rejectModalsFor(stack, PEOPLE.riley)[0]!;
    expect(modal).toBeDefined();
    await player.click(PEOPLE.alex, 'approve', id);

    const res = await submitRejectModal(stack, PEOPLE.riley, modal.id, 'Not yet, HR has not confirmed');
    expect(res.status).toBe(200);
    // Answered at once ("Rejecting…"); the decision then finds the request approved and says so in the modal.
    expect(res.json).toMatchObject({ response_action: 'update' });
    const outcome = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'update' && v.id === modal.id));
    expect(JSON.stringify(outcome.view)).toContain(`Request ${id} was already approved by ${ALEX}; nothing changed.`);

    // The approval message is re-rendered by a Slack job, a moment after the decision.
    await stack.slack.waitFor(() => approvalBlocksText(player, id).includes(`*Approved* by ${ALEX}`));
    expect(approvalBlocksText(player, id)).not.toContain('*Rejected*');
    await waitForRunToFinish(stack, id, JOBS_PER_RUN);
    expect(decisionDms(stack, PEOPLE.morgan, id, 'rejected')).toEqual([]);
    const trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'request.rejected')).toEqual([]);
    expect(eventsOf(trail, 'run.planned')).toHaveLength(1);
  });

  it('refuses Reject from someone who is not an offboarding approver, without opening a modal', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves);

    expect((await player.click(PEOPLE.taylor, 'reject', id)).status).toBe(200);

    const notices = ephemeralsFor(stack, PEOPLE.taylor);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).toContain('Only offboarding approvers can decide');
    expect(stack.slack.views.filter((v) => v.userId === PEOPLE.taylor)).toEqual([]);
    expect(stack.slack.callsTo('views.open').filter((c) => (c.args.view as { callback_id?: string }).callback_id === VIEWS.reject)).toEqual([]);

    expectStillPending(player, id);
    await expectRefusalRecorded(stack, id, PEOPLE.taylor, 'reject', /Only offboarding approvers/);
    expect(eventsOf(await readTrail(stack, id), 'request.rejected')).toEqual([]);
    expect(decisionDms(stack, PEOPLE.morgan, id, 'rejected')).toEqual([]);
    await expectNoRunStarted(stack, player, id, PEOPLE.morgan);
  });
});
