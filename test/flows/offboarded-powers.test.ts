import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { FormAnswers } from '../../app/demo/request-form-values.js';
import type { SlackPlayer } from '../../app/demo/slack-player.js';
import { BADGE } from '../../app/demo/world.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { Keys } from '../../src/redis.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { rotationTasks } from '../../src/runs/handed-over.js';
import { runView } from '../../src/runs/run-view.js';
import { ACME_PRODUCTION, SIM_NHI_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import {
  clickStepRetry,
  ephemeralsFor,
  eventsOf,
  eventually,
  finishedTrail,
  readTrail,
  rejectModalsFor,
  submitRejectModal,
} from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

const BEING_OFFBOARDED = 'An offboarding request about you is open, so you cannot act on offboarding requests or their evidence until it is closed.';

function storeOf(stack: LocalStack) {
  const redis = new Redis(stack.config.redisUrl);
  closers.push(() => redis.quit());
  return new RequestStore(redis, new Keys(stack.config.redisPrefix));
}

const statusOf = async (stack: LocalStack, id: string) => (await storeOf(stack).mustGet(id)).status;

/** Someone leaves, disabled first; requested by Morgan. */
const leaves = (person: string, extra: FormAnswers = {}): FormAnswers => ({
  person,
  reason: 'resignation',
  disposition: 'disable_then_delete',
  graceDays: '30',
  successor: person === PEOPLE.taylor ? PEOPLE.chris : PEOPLE.taylor,
  ticket: `HR-${person}`,
  ...extra,
});

/**
 * Requested by Chris, approved by Alex (and Morgan too when the person is privileged, as an approver
 * is); resolves once the request waits for its deletion.
 */
async function disabled(stack: LocalStack, player: SlackPlayer, answers: FormAnswers) {
  const id = await player.request(PEOPLE.chris, answers);
  await player.click(PEOPLE.alex, 'approve', id);
  if ((await statusOf(stack, id)) === 'pending') await player.click(PEOPLE.morgan, 'approve', id);
  await finishedTrail(stack, id);
  await eventually(async () => (await statusOf(stack, id)) === 'disabled', 10_000, `${id} disabled`);
  await stack.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks ?? []).includes(ACTIONS.reinstate), { timeoutMs: 20_000 });
  return id;
}

/** What `userId` was told privately, once `count` answers have arrived. */
const toldTo = (stack: LocalStack, userId: string, count: number) =>
  stack.slack.waitFor(() => {
    const told = stack.slack.ephemerals.filter((e) => e.user === userId).map((e) => e.text);
    return told.length >= count ? told : undefined;
  });

/** Clicks the per-step Retry of the first failed step under the request's checklist, as Slack sends it. */
async function clickFirstStepRetry(stack: LocalStack, player: SlackPlayer, userId: string, id: string) {
  const blocks = (player.checklist(id)?.blocks ?? []) as { block_id?: string; elements?: { action_id?: string; value?: string }[] }[];
  const value = blocks.find((b) => b.block_id === `retry-steps.${id}`)?.elements?.find((e) => e.action_id === ACTIONS.retryStep)?.value;
  expect(value).toBeDefined();
  await clickStepRetry(stack, player, userId, value!);
}

describe('a person with an open request about them keeps no powers in the bot', () => {
  it('an approver disabled for cause cannot reinstate someone else nor end their grace period: refused with why, recorded, nothing changes', async () => {
    const { stack, player } = await start();
    await disabled(stack, player, leaves(PEOPLE.riley, { reason: 'termination_for_cause' }));
    const jane = await disabled(stack, player, leaves(PEOPLE.jane));

    await player.checklistButton(PEOPLE.riley, 'reinstate', jane);
    await player.checklistButton(PEOPLE.riley, 'endGrace', jane);

    const told = await toldTo(stack, PEOPLE.riley, 2);
    for (const text of told) expect(text).toContain(BEING_OFFBOARDED);
    const trail = await readTrail(stack, jane);
    expect(eventsOf(trail, 'approval.refused').map((e) => [e.actor, e.action, e.reason])).toEqual([
      [PEOPLE.riley, 'reinstate', BEING_OFFBOARDED],
      [PEOPLE.riley, 'end-grace', BEING_OFFBOARDED],
    ]);
    expect(eventsOf(trail, 'run.planned')).toHaveLength(1);
    expect(eventsOf(trail, 'grace.ended')).toEqual([]);
    expect(await statusOf(stack, jane)).toBe('disabled');
  });

  it('an approver with a request about them waiting for approval cannot approve or reject; once it is rejected they can again', async () => {
    const { stack, player } = await start();
    const aboutAlex = await player.request(PEOPLE.morgan, leaves(PEOPLE.alex), { awaitPreview: false });
    const jane = await player.request(PEOPLE.morgan, leaves(PEOPLE.jane), { awaitPreview: false });

    await player.click(PEOPLE.alex, 'approve', jane);
    await player.click(PEOPLE.alex, 'reject', jane);

    const told = await toldTo(stack, PEOPLE.alex, 2);
    for (const text of told) expect(text).toContain(BEING_OFFBOARDED);
    expect(rejectModalsFor(stack, PEOPLE.alex)).toEqual([]);
    expect(eventsOf(await readTrail(stack, jane), 'approval.refused').map((e) => [e.actor, e.action])).toEqual([
      [PEOPLE.alex, 'approve'],
      [PEOPLE.alex, 'reject'],
    ]);
    expect(await statusOf(stack, jane)).toBe('pending');

    await player.click(PEOPLE.riley, 'reject', aboutAlex);
    await submitRejectModal(stack, PEOPLE.riley, rejectModalsFor(stack, PEOPLE.riley)[0]!.id, 'Not leaving after all');
    await eventually(async () => (await statusOf(stack, aboutAlex)) === 'rejected', 5_000, 'the request about Alex rejected');

    await player.click(PEOPLE.alex, 'approve', jane);
    await eventually(async () => (await statusOf(stack, jane)) !== 'pending', 5_000, 'Jane approved');
    expect((await storeOf(stack).mustGet(jane)).decision).toMatchObject({ outcome: 'approved', by: PEOPLE.alex });
  });

  it('an approver whose offboarding is approved for a later date cannot approve, nor retry failed steps, from that approval on', async () => {
    const { stack, player } = await start();
    const later = Math.floor(Date.now() / 1000) + 24 * 3600;
    // Riley is an approver: offboarding him takes two approvers, neither of them the requester.
    const aboutRiley = await player.request(PEOPLE.chris, leaves(PEOPLE.riley, { timing: 'scheduled', effectiveAt: later }));
    await player.click(PEOPLE.alex, 'approve', aboutRiley);
    await player.click(PEOPLE.morgan, 'approve', aboutRiley);
    await eventually(async () => (await statusOf(stack, aboutRiley)) === 'approved', 5_000, 'the request about Riley approved');
    // A run whose API-key step fails for good, so there is something to retry.
    stack.ibm.inject({ method: 'DELETE', path: '/v1/apikeys/', status: 403 });
    const jane = await player.request(PEOPLE.morgan, { ...leaves(PEOPLE.jane), disposition: 'delete_now' });
    await player.click(PEOPLE.alex, 'approve', jane);
    const failed = eventsOf(await finishedTrail(stack, jane, { timeoutMs: 40_000 }), 'run.finished')[0]!.failedSteps;
    expect(failed.length).toBeGreaterThan(0);
    await stack.slack.waitFor(() => JSON.stringify(player.checklist(jane)?.blocks ?? []).includes(ACTIONS.retry), { timeoutMs: 20_000 });
    stack.ibm.clearFaults();
    const chris = await player.request(PEOPLE.morgan, leaves(PEOPLE.chris), { awaitPreview: false });

    await player.checklistButton(PEOPLE.riley, 'retry', jane);
    await clickFirstStepRetry(stack, player, PEOPLE.riley, jane);
    await player.click(PEOPLE.riley, 'approve', chris);

    const told = await toldTo(stack, PEOPLE.riley, 3);
    for (const text of told) expect(text).toContain(BEING_OFFBOARDED);
    // The step's Retry is the same refusal again within minutes: counted, not written twice.
    expect(eventsOf(await readTrail(stack, jane), 'approval.refused').map((e) => [e.actor, e.action])).toEqual([[PEOPLE.riley, 'retry']]);
    expect(eventsOf(await readTrail(stack, jane), 'run.planned')).toHaveLength(1);
    expect(eventsOf(await readTrail(stack, chris), 'approval.refused').map((e) => [e.actor, e.action])).toEqual([[PEOPLE.riley, 'approve']]);
    expect(await statusOf(stack, chris)).toBe('pending');
  }, 90_000);

  it('an approver being offboarded gets no evidence pack, by button or command, nor has one generated; each refusal is recorded', async () => {
    const { stack, player } = await start();
    const jane = await player.request(PEOPLE.morgan, { ...leaves(PEOPLE.jane), disposition: 'delete_now' });
    await player.click(PEOPLE.alex, 'approve', jane);
    await player.evidence(jane);
    await stack.slack.waitFor(() => JSON.stringify(player.checklist(jane)?.blocks ?? []).includes('Download evidence') || undefined);
    await player.request(PEOPLE.morgan, leaves(PEOPLE.alex), { awaitPreview: false });
    const jobsBefore = stack.slack.files.length;

    await player.checklistButton(PEOPLE.alex, 'downloadEvidence', jane);
    await stack.events.slashCommand({ command: '/offboard', text: `report ${jane}`, userId: PEOPLE.alex, channelId: APPROVAL_CHANNEL });
    await player.checklistButton(PEOPLE.alex, 'generateReport', jane);

    const told = await toldTo(stack, PEOPLE.alex, 3);
    for (const text of told) expect(text).toContain(BEING_OFFBOARDED);
    for (const text of told) expect(text).not.toContain(`offboarding-evidence-${jane}`);
    const trail = await readTrail(stack, jane);
    expect(eventsOf(trail, 'evidence.refused').map((e) => [e.actor, e.via, e.reason])).toEqual([
      [PEOPLE.alex, 'button', BEING_OFFBOARDED],
      [PEOPLE.alex, 'command', BEING_OFFBOARDED],
    ]);
    expect(eventsOf(trail, 'evidence.downloaded')).toEqual([]);
    expect(ephemeralsFor(stack, PEOPLE.alex).some((e) => e.text.includes('Evidence pack for'))).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(stack.slack.files.length).toBe(jobsBefore);
  });

  it('an approver being offboarded who clicks Download evidence on the App Home is told why by direct message, recorded, and sent no pack', async () => {
    const { stack, player } = await start({ env: { OFFBOARD_EVIDENCE_IN_THREAD: 'false' } });
    const jane = await player.request(PEOPLE.morgan, { ...leaves(PEOPLE.jane), disposition: 'delete_now' });
    await player.click(PEOPLE.alex, 'approve', jane);
    await finishedTrail(stack, jane);
    await eventually(async () => runView(await readTrail(stack, jane)).reports.length > 0, 20_000, "Jane's pack stored");
    await player.request(PEOPLE.morgan, leaves(PEOPLE.alex), { awaitPreview: false });
    await stack.events.event({ type: 'app_home_opened', user: PEOPLE.alex, channel: 'D0HOME0001', tab: 'home' });
    const home = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'publish' && v.userId === PEOPLE.alex));
    const dmBefore = stack.slack.messages(PEOPLE.alex).length;

    // A click on the Home tab, as Slack sends it: from the view, with no channel.
    await stack.events.blockAction({ userId: PEOPLE.alex, actionId: ACTIONS.downloadEvidence, value: jane, view: { ...home.view, id: home.id } });
    await stack.bot.settled();

    const told = await stack.slack.waitFor(() => {
      const dms = stack.slack.messages(PEOPLE.alex).slice(dmBefore);
      return dms.length ? dms : undefined;
    });
    expect(told.map((m) => m.text)).toEqual([expect.stringContaining(BEING_OFFBOARDED)]);
    expect(eventsOf(await readTrail(stack, jane), 'evidence.refused').map((e) => [e.actor, e.via, e.reason])).toEqual([
      [PEOPLE.alex, 'button', BEING_OFFBOARDED],
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect(eventsOf(await readTrail(stack, jane), 'evidence.downloaded').filter((e) => e.actor === PEOPLE.alex)).toEqual([]);
    expect(stack.slack.messages(PEOPLE.alex).flatMap((m) => m.files ?? [])).toEqual([]);
  });

  it('an attester or an approver being offboarded cannot attest a manual task: refused with why, recorded, the task stays open until someone else attests it', async () => {
    const { stack, player } = await start({ tasks: [BADGE], ibm: { accounts: [ACME_PRODUCTION] } });
    const task = `${BADGE}.task.attestation`;
    // Taylor (facilities, who attest the badge) and Riley (an approver) are being offboarded themselves.
    await player.request(PEOPLE.morgan, leaves(PEOPLE.taylor), { awaitPreview: false });
    await player.request(PEOPLE.morgan, leaves(PEOPLE.riley), { awaitPreview: false });
    const jane = await player.request(PEOPLE.morgan, { ...leaves(PEOPLE.jane), successor: PEOPLE.chris });
    await player.click(PEOPLE.alex, 'approve', jane);
    const taskState = async () => runView(await readTrail(stack, jane)).steps.find((s) => s.id === task)?.state;
    await eventually(async () => (await taskState()) === 'open', 20_000, 'the badge task to open');

    await player.task(PEOPLE.taylor, 'taskDone', jane, task);
    await player.task(PEOPLE.riley, 'taskDone', jane, task);

    for (const who of [PEOPLE.taylor, PEOPLE.riley]) expect(await toldTo(stack, who, 1)).toEqual([BEING_OFFBOARDED]);
    let trail = await readTrail(stack, jane);
    expect(eventsOf(trail, 'approval.refused').map((e) => [e.actor, e.action, e.reason])).toEqual([
      [PEOPLE.taylor, 'attest', BEING_OFFBOARDED],
      [PEOPLE.riley, 'attest', BEING_OFFBOARDED],
    ]);
    expect(eventsOf(trail, 'step.attested')).toEqual([]);
    expect(await taskState()).toBe('open');

    await player.task(PEOPLE.alex, 'taskDone', jane, task);
    trail = await finishedTrail(stack, jane);
    expect(eventsOf(trail, 'step.attested').map((e) => e.actor)).toEqual([PEOPLE.alex]);
  });

  it('the successor being offboarded cannot close the rotation of a credential handed over to them, nor ask the bot to rotate it: refused, recorded, nothing made', async () => {
    const { stack, player } = await start();
    const jane = await player.request(PEOPLE.morgan, { ...leaves(PEOPLE.jane), created: 'hand_over' });
    await player.click(PEOPLE.alex, 'approve', jane);
    const tasks = rotationTasks(runView(await finishedTrail(stack, jane)));
    const code = tasks.find((t) => t.id === SIM_NHI_IDS.janeResourceKey)!.code;
    await stack.slack.waitFor(() => JSON.stringify(player.checklist(jane)?.blocks ?? []).includes('Rotation tasks') || undefined, { timeoutMs: 15_000 });
    // Taylor, who took over what Jane created, is now being offboarded himself.
    await player.request(PEOPLE.morgan, leaves(PEOPLE.taylor), { awaitPreview: false });

    await player.rotation(PEOPLE.taylor, 'rotatedMyself', jane, code);
    await player.rotation(PEOPLE.taylor, 'rotateForMe', jane, tasks.find((t) => t.id === SIM_NHI_IDS.ciPipelineKey)!.code);

    for (const text of await toldTo(stack, PEOPLE.taylor, 2)) expect(text).toBe(BEING_OFFBOARDED);
    const trail = await readTrail(stack, jane);
    // Two buttons, one refusal within minutes: recorded once.
    expect(eventsOf(trail, 'approval.refused').map((e) => [e.actor, e.action, e.reason])).toEqual([[PEOPLE.taylor, 'close-rotation', BEING_OFFBOARDED]]);
    expect(trail.filter((e) => e.type.startsWith('rotation.') && e.type !== 'rotation.reminded')).toEqual([]);
    expect(stack.ibm.issuedSecrets()).toEqual([]);
  });

  it("an approver being offboarded gets no bulk request's summary by `/offboard report BULK-…`: refused, recorded in each of its requests' trails, nothing sent", async () => {
    const { stack, player } = await start();
    await player.request(PEOPLE.morgan, leaves(PEOPLE.alex), { awaitPreview: false });
    await player.submitForm(PEOPLE.morgan, { ...leaves(PEOPLE.jane), others: [PEOPLE.chris], successor: PEOPLE.taylor, ticket: 'HR-BULK' });
    const batch = await eventually(
      async () => {
        const members = (await storeOf(stack).recentReadable(10)).requests.filter((r) => r.batch);
        return members.length === 2 ? members : undefined;
      },
      15_000,
      'the bulk request stored',
    );
    const batchId = batch[0]!.batch!.id;

    await stack.events.slashCommand({ command: '/offboard', text: `report ${batchId}`, userId: PEOPLE.alex, channelId: APPROVAL_CHANNEL });

    expect(await toldTo(stack, PEOPLE.alex, 1)).toEqual([expect.stringContaining(BEING_OFFBOARDED)]);
    for (const member of batch) {
      expect(eventsOf(await readTrail(stack, member.id), 'evidence.refused').map((e) => [e.actor, e.via, e.reason])).toEqual([
        [PEOPLE.alex, 'command', BEING_OFFBOARDED],
      ]);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(stack.slack.messages(PEOPLE.alex).flatMap((m) => m.files ?? [])).toEqual([]);
  });
});
