import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { SlackPlayer } from '../../app/demo/slack-player.js';
import { APPROVAL_CHANNEL, APPROVERS_GROUP, PEOPLE } from '../../app/demo/workspace.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { VPC_REVIEW_ID } from '../../src/connectors/ibm-cloud/vpc/vpc-review-modal.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { Keys } from '../../src/redis.js';
import { itemTaskCode } from '../../src/runs/item-tasks.js';
import { runView } from '../../src/runs/run-view.js';
import { VIEWS } from '../../src/slack/blocks/ids.js';
import { ACME_PRODUCTION, ACME_STAGING, SIM_VPC, withVpc } from '../../src/simulators/ibm-cloud/index.js';
import { stepButtonValue } from '../../src/slack/payloads.js';
import { ephemeralsFor, eventsOf, eventually, finishedTrail, readTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const KEYS_STEP = `ibm-cloud.${ACME_PRODUCTION}.vpc-ssh-keys`;
const SERVERS_STEP = `ibm-cloud.${ACME_PRODUCTION}.vpc-authorized-keys`;
const STAGING_KEYS_STEP = `ibm-cloud.${ACME_STAGING}.vpc-ssh-keys`;
const REVIEW_ACTION = 'ibm-cloud.vpc.review';

type Option = { value: string; text: { text: string } };
type InputBlock = { type: string; block_id?: string; element?: { options: Option[]; initial_options?: Option[] } };

async function janeLeaves(disposition: 'delete_now' | 'disable_then_delete', requester: string = PEOPLE.morgan, env: Record<string, string> = {}) {
  const { stack, player } = await start({ ibm: { seed: withVpc() }, env: { IBMCLOUD_VPC_REGIONS: 'us-south,eu-de', ...env } });
  const id = await player.request(requester, {
    person: PEOPLE.jane,
    reason: 'resignation',
    disposition,
    ...(disposition === 'disable_then_delete' ? { graceDays: '30' } : {}),
    successor: PEOPLE.taylor,
    ticket: 'HR-VPC',
  });
  await player.click(PEOPLE.alex, 'approve', id);
  return { stack, player, id };
}

/** Clicks *Review SSH keys…* on the checklist, as `userId`. */
async function clickReview(stack: LocalStack, player: SlackPlayer, userId: string, id: string) {
  const checklist = player.checklist(id)!;
  await stack.events.blockAction({
    userId,
    actionId: REVIEW_ACTION,
    blockId: `reviews.${id}`,
    value: stepButtonValue(id, KEYS_STEP),
    channel: APPROVAL_CHANNEL,
    messageTs: checklist.ts,
  });
  await player.settled();
}

/** The review modal as the job last filled it in for `userId`. */
const reviewModal = (stack: LocalStack, userId: string) => stack.slack.views.filter((v) => v.userId === userId && v.view.callback_id === VPC_REVIEW_ID).at(-1);

const stateOf = async (stack: LocalStack, id: string, step: string) =>
  runView(await readTrail(stack, id))
    .steps.filter((s) => s.id === step)
    .at(-1);

const WEB1 = 'SSH key laptop-2024 on server web-1 (us-south)';
const DB1 = 'SSH key jane-doe-ci on server db-1 (eu-de)';

/** The servers still holding Jane's keys, once they are open as tasks in the current phase: each label with its buttons' code. */
async function openServerTasks(stack: LocalStack, id: string): Promise<Record<string, string>> {
  return eventually(
    async () => {
      const view = runView(await readTrail(stack, id));
      const step = view.steps.find((s) => s.id === SERVERS_STEP && s.phase === view.current.phase);
      return step?.state === 'open' && step.items ? Object.fromEntries(step.items.map((i) => [i.label, itemTaskCode(SERVERS_STEP, i.id)])) : undefined;
    },
    20_000,
    'the servers to open as tasks',
  );
}

/** Alex reviews the account's keys in the modal and keeps the suggestion: the two named after Jane. */
async function reviewKeepingSuggestion(stack: LocalStack, player: SlackPlayer, id: string) {
  await clickReview(stack, player, PEOPLE.alex, id);
  const modal = await eventually(async () => reviewModal(stack, PEOPLE.alex), 10_000, 'the keys listed in the modal');
  const blocks = (modal.view.blocks as InputBlock[]).filter((b) => b.type === 'input');
  const values = Object.fromEntries(blocks.map((b) => [b.block_id!, { chosen: { type: 'checkboxes', selected_options: b.element!.initial_options ?? [] } }]));
  await stack.events.viewSubmission({
    userId: PEOPLE.alex,
    view: { id: modal.id, callback_id: VPC_REVIEW_ID, private_metadata: modal.view.private_metadata as string },
    values,
  });
  await player.settled();
}

const validatePack = new Ajv2020({ allErrors: true, strict: true }).compile(
  JSON.parse(readFileSync(new URL('../../src/evidence/evidence-pack.schema.json', import.meta.url), 'utf8')) as object,
);

/** A round's evidence pack as sent: its JSON, and its PDF's text on one line. */
async function evidenceOf(stack: LocalStack, player: SlackPlayer, id: string, round = 1) {
  const pdf = await player.evidence(id, 20_000, round);
  const name = `${id}${round > 1 ? `-round${round}` : ''}.json`;
  const json = await stack.slack.waitFor(() => stack.slack.files.find((f) => f.filename.endsWith(name)));
  const text = (await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true })).text;
  return { pack: JSON.parse(Buffer.from(json.bytes).toString('utf8')), pdf: text.replace(/\s+/g, ' ') };
}

const checklistText = (player: SlackPlayer, id: string) => JSON.stringify(player.checklist(id)?.blocks ?? []);

/** The disable round of Jane's request ended (every server attested by Alex) and the grace period begun: the request waits, disabled. */
async function graceBegun() {
  const { stack, player, id } = await janeLeaves('disable_then_delete');
  const codes = await openServerTasks(stack, id);
  for (const code of Object.values(codes)) await player.task(PEOPLE.alex, 'taskDone', id, SERVERS_STEP, code);
  await finishedTrail(stack, id);
  await stack.slack.waitFor(() => checklistText(player, id).includes('offboard_end_grace') || undefined, { timeoutMs: 20_000 });
  return { stack, player, id };
}

/** The approvers' calls, in the request's thread, for a review the deletion waits for. */
const reviewAlerts = (stack: LocalStack, player: SlackPlayer, id: string) =>
  stack.slack.thread(APPROVAL_CHANNEL, player.approvalMessage(id)!.ts).filter((m) => m.text.includes("needs an approver's review first"));

/** Runs the reminder due a day before the deletion now, as if that day had come; resolves once its work is done. */
async function dayBeforeDeletion(stack: LocalStack, player: SlackPlayer, id: string) {
  const connection = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.runs, { connection, prefix: stack.config.redisPrefix });
  try {
    const job = await queue.getJob(`${id}.deletion-review`);
    expect(await job?.isDelayed()).toBe(true);
    // Due 29 days after the disable round, a day before the 30-day grace period ends.
    expect(job!.delay).toBeGreaterThan(28 * 24 * 3600 * 1000);
    await job!.promote();
    await eventually(async () => (await queue.getJob(`${id}.deletion-review`))?.isCompleted(), 10_000, 'the reminder to run');
  } finally {
    await queue.close();
    await connection.quit();
  }
  await player.settled();
}

describe('their SSH keys on VPC servers: one task per server, attested by an approver', () => {
  it('open from the disable phase, refuse the person leaving and a bystander, record one of two clicks, end the round attested, and are not asked again at the deletion', async () => {
    const { stack, player, id } = await janeLeaves('disable_then_delete');
    const codes = await openServerTasks(stack, id);
    expect(Object.keys(codes)).toEqual([WEB1, DB1]);
    // Every other step of the round ends; the servers hold only the round's end, never the account's own steps.
    await eventually(
      async () =>
        runView(await readTrail(stack, id)).steps.every(
          (s) => s.id === SERVERS_STEP || s.state === 'verified' || s.state === 'residual' || s.state === 'unchecked',
        ),
      20_000,
      'the other steps',
    );
    const waiting = await stack.slack.waitFor(() => (checklistText(player, id).includes(`Done: ${WEB1}`) ? checklistText(player, id) : undefined));
    expect(waiting).toContain('Waiting for attestation');
    expect(waiting).toContain("Remove each SSH key listed from root's authorized_keys on its server");
    expect(waiting).toContain(`Done: ${DB1}`);
    expect(waiting).toContain('/vpc-ext/compute/vs/us-south~');
    const thread = stack.slack.thread(APPROVAL_CHANNEL, player.approvalMessage(id)!.ts);
    expect(thread.some((m) => m.text.includes('2 task(s) of *Their SSH keys on VPC servers* wait for one of you'))).toBe(true);
    // The disable phase deletes no key resource: that is the deletion's.
    expect(stack.ibm.requests.filter((r) => r.path.startsWith('/vpc/') && r.method === 'DELETE')).toEqual([]);

    // Jane is the one leaving; Taylor is no approver: both refused, nothing recorded.
    await player.task(PEOPLE.jane, 'taskDone', id, SERVERS_STEP, codes[WEB1]);
    await player.task(PEOPLE.taylor, 'taskDone', id, SERVERS_STEP, codes[WEB1]);
    await player.task(PEOPLE.taylor, 'taskNotApplicable', id, SERVERS_STEP, codes[DB1]);
    expect(ephemeralsFor(stack, PEOPLE.jane).at(-1)?.text).toContain('your own offboarding');
    expect(ephemeralsFor(stack, PEOPLE.taylor).at(-1)?.text).toContain(
      'Only an offboarding approver can attest *Their SSH keys on VPC servers*, so nothing was recorded',
    );
    expect(stack.slack.views.filter((v) => v.view.callback_id === VIEWS.taskNote)).toEqual([]);
    let trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'item.attested')).toEqual([]);
    expect(eventsOf(trail, 'run.finished')).toEqual([]);

    // Alex and Riley click Done on web-1 at once: one attestation; the other is told who got there first.
    await Promise.all([
      player.task(PEOPLE.alex, 'taskDone', id, SERVERS_STEP, codes[WEB1]),
      player.task(PEOPLE.riley, 'taskDone', id, SERVERS_STEP, codes[WEB1]),
    ]);
    trail = await readTrail(stack, id);
    const web1 = eventsOf(trail, 'item.attested');
    expect(web1).toHaveLength(1);
    expect(web1[0]).toMatchObject({ stepId: SERVERS_STEP, label: WEB1, outcome: 'done' });
    const loser = web1[0]!.actor === PEOPLE.alex ? PEOPLE.riley : PEOPLE.alex;
    expect(ephemeralsFor(stack, loser).at(-1)?.text).toContain(`already attested by <@${web1[0]!.actor}>`);
    // One server still open: the step and the round wait.
    expect(runView(trail).steps.find((s) => s.id === SERVERS_STEP)?.state).toBe('open');
    expect(eventsOf(trail, 'run.finished')).toEqual([]);

    // db-1: Not applicable asks why, and records the note with Riley's name.
    await player.task(PEOPLE.riley, 'taskNotApplicable', id, SERVERS_STEP, codes[DB1]);
    const modal = stack.slack.views.find((v) => v.kind === 'open' && v.userId === PEOPLE.riley && v.view.callback_id === VIEWS.taskNote)!;
    expect(JSON.stringify(modal.view)).toContain(DB1);
    await player.submitTaskNote(PEOPLE.riley, modal.id, 'db-1 was rebuilt last week without her key.');
    trail = await finishedTrail(stack, id);
    const items = eventsOf(trail, 'item.attested');
    expect(items.map((e) => [e.label, e.actor, e.outcome, e.note])).toEqual([
      [WEB1, web1[0]!.actor, 'done', undefined],
      [DB1, PEOPLE.riley, 'not_applicable', 'db-1 was rebuilt last week without her key.'],
    ]);
    const step = runView(trail).steps.find((s) => s.id === SERVERS_STEP)!;
    expect(step.state).toBe('attested');
    expect(eventsOf(trail, 'step.verified').filter((e) => e.stepId === SERVERS_STEP)).toEqual([]);
    expect(eventsOf(trail, 'run.finished')).toMatchObject([{ outcome: 'unchecked', failedSteps: [] }]);
    const done = await stack.slack.waitFor(() => (checklistText(player, id).includes('Finished') ? checklistText(player, id) : undefined));
    expect(done).toContain('every one of 2 *attested* on its own');
    expect(done).toContain(`not applicable (db-1 was rebuilt last week without her key.), attested by <@${PEOPLE.riley}>`);
    expect(done).not.toContain(`Done: ${WEB1}`);

    // The evidence states each server: who attested it, when, and how; never that the bot verified it.
    const { pack, pdf } = await evidenceOf(stack, player, id);
    expect(validatePack(pack)).toBe(true);
    expect(pack.outcome.result).toBe('unchecked');
    const packed = pack.steps.find((s: { id: string; phase: string }) => s.id === SERVERS_STEP && s.phase === 'disable');
    expect(packed).toMatchObject({ state: 'attested', assurance: 'attested_by_person', verification: null });
    expect(packed.item_tasks).toMatchObject([
      { label: WEB1, attestation: { by: web1[0]!.actor, at: web1[0]!.at, outcome: 'done', note: null } },
      { label: DB1, attestation: { by: PEOPLE.riley, at: items[1]!.at, outcome: 'not_applicable', note: 'db-1 was rebuilt last week without her key.' } },
    ]);
    expect(packed.item_tasks[0].link).toMatch(/^https:\/\/cloud\.ibm\.com\/vpc-ext\/compute\/vs\/us-south~/);
    expect(pdf).toContain('Their SSH keys on VPC servers: ATTESTED');
    expect(pdf).toContain('2 items, each attested on its own; not read back by the bot');
    expect(pdf).toMatch(
      new RegExp(`${DB1.replace(/[()]/g, '\\$&')} \\(.*\\): Not applicable: attested by .*Riley.* at .*Note: db-1 was rebuilt last week without her key\\.`),
    );
    expect(pdf).toContain('Every item attested on its own (below), the last by Riley Ito (U0RILEY01)');
    expect(pdf).not.toContain(`Their SSH keys on VPC servers: VERIFIED · disable · Verified by read-back Step ${SERVERS_STEP}`);

    // The deletion: Alex reviews the keys, Riley ends the grace period; the keys go, the servers are not asked again.
    await reviewKeepingSuggestion(stack, player, id);
    await stack.slack.waitFor(() => checklistText(player, id).includes('offboard_end_grace') || undefined, { timeoutMs: 20_000 });
    await player.checklistButton(PEOPLE.riley, 'endGrace', id);
    trail = await finishedTrail(stack, id, { rounds: 2 });
    expect([SIM_VPC.janeLaptop, SIM_VPC.janeDoeCi].map((k) => stack.ibm.vpcKey(k))).toEqual([undefined, undefined]);
    const deletion = runView(trail).steps.filter((s) => s.id === SERVERS_STEP);
    expect(deletion.map((s) => [s.phase, s.state])).toEqual([
      ['disable', 'attested'],
      ['delete', 'attested'],
    ]);
    expect(deletion[1]!.items?.map((i) => [i.label, i.attestation?.by, i.attestation?.at])).toEqual([
      [WEB1, web1[0]!.actor, web1[0]!.at],
      [DB1, PEOPLE.riley, items[1]!.at],
    ]);
    expect(eventsOf(trail, 'item.attested')).toHaveLength(2);
    expect(eventsOf(trail, 'run.finished').map((e) => e.outcome)).toEqual(['unchecked', 'unchecked']);
    // Nobody was asked again about a server already attested.
    const asked = stack.slack.thread(APPROVAL_CHANNEL, player.approvalMessage(id)!.ts).filter((m) => m.text.includes('wait for one of you'));
    expect(asked).toHaveLength(1);
  });

  it('remind the approvers on their timer while any server is open, and never after every one is attested', async () => {
    const { stack, player, id } = await janeLeaves('disable_then_delete', PEOPLE.morgan, { OFFBOARD_TASK_REMIND_AFTER: '1s' });
    const codes = await openServerTasks(stack, id);
    await eventually(
      async () => eventsOf(await readTrail(stack, id), 'task.reminded').filter((e) => e.stepId === SERVERS_STEP).length >= 2,
      15_000,
      'two reminders',
    );
    const reminders = await stack.slack.waitFor(() => {
      const posted = stack.slack.thread(APPROVAL_CHANNEL, player.approvalMessage(id)!.ts).filter((m) => m.text.includes('are still open in the checklist'));
      return posted.length >= 2 ? posted : undefined;
    });
    expect(reminders[0]!.text).toContain(`2 task(s) of *Their SSH keys on VPC servers* are still open in the checklist (${WEB1}; ${DB1})`);

    await player.task(PEOPLE.alex, 'taskDone', id, SERVERS_STEP, codes[WEB1]);
    await player.task(PEOPLE.alex, 'taskDone', id, SERVERS_STEP, codes[DB1]);
    await finishedTrail(stack, id);
    const after = eventsOf(await readTrail(stack, id), 'task.reminded').length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(eventsOf(await readTrail(stack, id), 'task.reminded')).toHaveLength(after);
  });

  it("attested by a process that died before closing the step or waking its job, end at the job's next wake", async () => {
    const { stack, id } = await janeLeaves('disable_then_delete', PEOPLE.morgan, { OFFBOARD_TASK_REMIND_AFTER: '2s' });
    await openServerTasks(stack, id);
    const redis = new Redis(stack.config.redisUrl);
    try {
      // What the desk writes for each item first, and nothing after: no step end, no wake.
      const audit = new AuditTrail(redis, new Keys(stack.config.redisPrefix));
      const step = runView(await audit.read(id)).steps.find((s) => s.id === SERVERS_STEP)!;
      for (const item of step.items!) {
        await audit.appendOnce(id, `item:${SERVERS_STEP}/${item.id}`, {
          type: 'item.attested',
          stepId: SERVERS_STEP,
          itemId: item.id,
          label: item.label,
          actor: PEOPLE.alex,
          outcome: 'done',
        });
      }
      const trail = await finishedTrail(stack, id);
      expect(eventsOf(trail, 'step.attested').filter((e) => e.stepId === SERVERS_STEP)).toMatchObject([{ actor: PEOPLE.alex, outcome: 'done' }]);
      expect(eventsOf(trail, 'run.finished')[0]!.outcome).toBe('unchecked');
    } finally {
      await redis.quit();
    }
  });

  it('are none where no server holds a key of theirs: the step is verified by its listing and asks nobody', async () => {
    const { stack, player } = await janeLeaves('disable_then_delete');
    const id = await player.request(PEOPLE.morgan, {
      person: PEOPLE.chris,
      reason: 'resignation',
      disposition: 'disable_then_delete',
      graceDays: '30',
      successor: PEOPLE.taylor,
      ticket: 'HR-VPC-2',
    });
    await player.click(PEOPLE.alex, 'approve', id);
    const trail = await finishedTrail(stack, id);
    const step = runView(trail).steps.find((s) => s.id === SERVERS_STEP)!;
    expect(step.state).toBe('verified');
    expect(step.inventoryNote).toBe('no server was initialised with a key named after them');
    expect(eventsOf(trail, 'task.opened')).toEqual([]);
    expect(checklistText(player, id)).not.toContain('Waiting for attestation');
  });
});

describe('VPC SSH keys (IBM records no creator)', () => {
  it('are offered for review during the grace period, the checklist saying the deletion needs it and the approvers called on; once an approver reviews, the deletion deletes the chosen keys, read back, without failing', async () => {
    const { stack, player, id } = await graceBegun();
    const asking = await stack.slack.waitFor(
      () => {
        const text = checklistText(player, id);
        return text.includes('The deletion needs a review first') && text.includes('offboard_end_grace') ? text : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(asking).toContain(REVIEW_ACTION);
    expect(asking).toContain('Review SSH keys… · account');
    expect(asking).toContain(stepButtonValue(id, KEYS_STEP));
    // In staging VPC cannot answer: nothing to review there.
    expect(asking).not.toContain(stepButtonValue(id, STAGING_KEYS_STEP));
    // The disable round's end called on the approvers, once.
    const called = await stack.slack.waitFor(() => (reviewAlerts(stack, player, id).length ? reviewAlerts(stack, player, id) : undefined), {
      timeoutMs: 15_000,
    });
    expect(called).toHaveLength(1);
    expect(called[0]!.text).toMatch(new RegExp(`^<!subteam\\^${APPROVERS_GROUP}> :mag: The deletion of \\*${id}\\*, due `));
    expect(called[0]!.text).toContain(`*Review SSH keys* (IBM Cloud, account ${ACME_PRODUCTION})`);

    // Taylor is no approver: refused in the modal, nothing recorded, the checklist still asks.
    await clickReview(stack, player, PEOPLE.taylor, id);
    expect(JSON.stringify(stack.slack.views.filter((v) => v.userId === PEOPLE.taylor).at(-1)?.view)).toContain('Only approvers');
    expect(reviewModal(stack, PEOPLE.taylor)).toBeUndefined();
    expect(eventsOf(await readTrail(stack, id), 'review.recorded')).toEqual([]);

    await reviewKeepingSuggestion(stack, player, id);
    expect(eventsOf(await readTrail(stack, id), 'review.recorded')).toMatchObject([{ stepId: KEYS_STEP, actor: PEOPLE.alex }]);
    const reviewed = await stack.slack.waitFor(() =>
      checklistText(player, id).includes('reviewed for the deletion by') ? checklistText(player, id) : undefined,
    );
    expect(reviewed).toContain(`reviewed for the deletion by <@${PEOPLE.alex}>`);
    expect(reviewed).not.toContain('The deletion needs a review first');
    // Reviewing deletes nothing: the deletion does.
    expect(stack.ibm.vpcKey(SIM_VPC.janeLaptop)).toBeDefined();
    // Reviewed, the day before the deletion calls on nobody.
    await dayBeforeDeletion(stack, player, id);
    expect(reviewAlerts(stack, player, id)).toHaveLength(1);

    await player.checklistButton(PEOPLE.riley, 'endGrace', id);
    const trail = await finishedTrail(stack, id, { rounds: 2 });
    const keys = runView(trail).steps.filter((s) => s.id === KEYS_STEP);
    expect(keys.map((s) => [s.phase, s.state])).toEqual([['delete', 'verified']]);
    expect(eventsOf(trail, 'step.failed')).toEqual([]);
    expect(eventsOf(trail, 'run.finished').map((e) => e.outcome)).not.toContain('failures');
    // Read back: the two chosen are gone, the others untouched.
    expect([SIM_VPC.janeLaptop, SIM_VPC.janeDoeCi].map((k) => stack.ibm.vpcKey(k))).toEqual([undefined, undefined]);
    expect(stack.ibm.vpcKey(SIM_VPC.deploy)).toBeDefined();
    expect(stack.ibm.vpcKey(SIM_VPC.mary)).toBeDefined();
    // The deletion waits for nothing more: the review is no longer offered.
    const done = await stack.slack.waitFor(() => {
      const text = checklistText(player, id);
      return text.includes('removed for good') && text.includes('Finished') && !text.includes('offboard_end_grace') ? text : undefined;
    });
    expect(done).not.toContain('The deletion needs a review first');
    expect(done).not.toContain(REVIEW_ACTION);
  });

  it('left unreviewed through the grace period, are called for again a day before the deletion, and the deletion of keys still fails saying why, deleting nothing', async () => {
    const { stack, player, id } = await graceBegun();
    await stack.slack.waitFor(() => reviewAlerts(stack, player, id).length === 1 || undefined, { timeoutMs: 15_000 });
    await dayBeforeDeletion(stack, player, id);
    const called = await stack.slack.waitFor(() => (reviewAlerts(stack, player, id).length === 2 ? reviewAlerts(stack, player, id) : undefined), {
      timeoutMs: 15_000,
    });
    expect(called[1]!.text).toMatch(new RegExp(`^<!subteam\\^${APPROVERS_GROUP}> `));
    expect(called[1]!.text).toContain('unreviewed, that step fails at the deletion');

    await player.checklistButton(PEOPLE.riley, 'endGrace', id);
    await finishedTrail(stack, id, { rounds: 2 });
    const failed = runView(await readTrail(stack, id)).steps.filter((s) => s.id === KEYS_STEP);
    expect(failed.map((s) => [s.phase, s.state])).toEqual([['delete', 'failed']]);
    expect(failed[0]!.error).toMatch(/were not reviewed: IBM records no creator/);
    expect(stack.ibm.requests.filter((r) => r.path.startsWith('/vpc/') && r.method === 'DELETE')).toEqual([]);
    expect(eventsOf(await readTrail(stack, id), 'run.finished').map((e) => e.outcome)).toEqual(['unchecked', 'failures']);
  });

  it('are not deleted by the disable phase: the keys step runs in the deletion only', async () => {
    const { stack, player, id } = await janeLeaves('disable_then_delete');
    const codes = await openServerTasks(stack, id);
    for (const code of Object.values(codes)) await player.task(PEOPLE.alex, 'taskDone', id, SERVERS_STEP, code);
    const trail = await finishedTrail(stack, id);
    expect(runView(trail).steps.filter((s) => s.id === KEYS_STEP)).toEqual([]);
    expect(stack.ibm.vpcKey(SIM_VPC.janeLaptop)?.name).toBe('laptop-2024');
    expect(stack.ibm.requests.filter((r) => r.path.startsWith('/vpc/') && r.method === 'DELETE')).toEqual([]);
  });

  it('wait for an approver to review them in a modal, Jane-named keys pre-selected; the chosen ones are deleted on retry and read back, each server they were installed on a task attested on its own', async () => {
    const { stack, player, id } = await janeLeaves('delete_now');
    await finishedTrail(stack, id);
    // Unreviewed, the deletion asks about no server either: which servers follows from the keys chosen.
    const unasked = await stateOf(stack, id, SERVERS_STEP);
    expect(unasked?.state).toBe('failed');
    expect(unasked?.error).toMatch(/were not reviewed: which servers hold theirs follows from the keys an approver says are theirs/);
    expect(eventsOf(await readTrail(stack, id), 'task.opened')).toEqual([]);
    // The round is over once its evidence is out: then it can be retried.
    await player.evidence(id);
    // Unreviewed, the deletion of keys fails, saying why, and deletes nothing.
    const failed = await stateOf(stack, id, KEYS_STEP);
    expect(failed?.state).toBe('failed');
    expect(failed?.error).toMatch(/were not reviewed: IBM records no creator/);
    expect(stack.ibm.requests.filter((r) => r.path.startsWith('/vpc/') && r.method === 'DELETE')).toEqual([]);
    const checklist = JSON.stringify(player.checklist(id)?.blocks ?? []);
    expect(checklist).toContain(REVIEW_ACTION);
    expect(checklist).toContain('Review SSH keys…');
    // In staging VPC cannot answer: both VPC steps are not checked, with why, and offer no review.
    const why = `VPC answers only for account ${ACME_PRODUCTION}, the one IBMCLOUD_API_KEY belongs to`;
    for (const step of [STAGING_KEYS_STEP, `ibm-cloud.${ACME_STAGING}.vpc-authorized-keys`])
      expect(await stateOf(stack, id, step)).toMatchObject({ state: 'unchecked', unchecked: why });
    const final = await stack.slack.waitFor(() => {
      const text = JSON.stringify(player.checklist(id)?.blocks ?? []);
      return text.includes('Finished') ? text : undefined;
    });
    expect(final).toContain(`:grey_question: VPC SSH keys: *not checked here*: ${why}`);
    expect(final).not.toContain(stepButtonValue(id, STAGING_KEYS_STEP));

    // Taylor is no approver, Jane is the one leaving: refused in the modal, nothing recorded.
    for (const who of [PEOPLE.taylor, PEOPLE.jane]) {
      await clickReview(stack, player, who, id);
      const refused = stack.slack.views.filter((v) => v.userId === who).at(-1);
      expect(JSON.stringify(refused?.view)).toMatch(/cannot|Only approvers/);
      expect(reviewModal(stack, who)).toBeUndefined();
    }

    await clickReview(stack, player, PEOPLE.alex, id);
    const modal = await eventually(async () => reviewModal(stack, PEOPLE.alex), 10_000, 'the keys listed in the modal');
    const blocks = (modal.view.blocks as InputBlock[]).filter((b) => b.type === 'input');
    const options = blocks.flatMap((b) => b.element!.options.map((o) => o.text.text));
    expect(options.sort()).toEqual(['ci-deploy (us-south)', 'jane-doe-ci (eu-de)', 'laptop-2024 (us-south)', 'mary-jane-laptop (us-south)']);
    const preselected = blocks.flatMap((b) => b.element!.initial_options ?? []);
    expect(preselected.map((o) => o.text.text).sort()).toEqual(['jane-doe-ci (eu-de)', 'laptop-2024 (us-south)']);

    // A form under IBM Cloud's id that no feature offers records nothing, and says so in the modal.
    const values = Object.fromEntries(blocks.map((b) => [b.block_id!, { chosen: { type: 'checkboxes', selected_options: b.element!.initial_options ?? [] } }]));
    await stack.events.viewSubmission({
      userId: PEOPLE.alex,
      view: { id: modal.id, callback_id: 'ibm-cloud.vpc.erase-everything', private_metadata: modal.view.private_metadata as string },
      values,
    });
    await player.settled();
    expect(JSON.stringify(stack.slack.views.filter((v) => v.id === modal.id).at(-1)?.view)).toContain('not one I offer');
    expect(stack.slack.messages(APPROVAL_CHANNEL).filter((m) => m.text.includes('reviewed the SSH keys'))).toEqual([]);

    // Alex keeps the suggestion as it is.
    await stack.events.viewSubmission({
      userId: PEOPLE.alex,
      view: { id: modal.id, callback_id: VPC_REVIEW_ID, private_metadata: modal.view.private_metadata as string },
      values,
    });
    await player.settled();
    expect(JSON.stringify(stack.slack.views.filter((v) => v.id === modal.id).at(-1)?.view)).toContain('2 SSH key(s) of account');
    const thread = stack.slack.thread(APPROVAL_CHANNEL, player.approvalMessage(id)!.ts);
    expect(thread.some((m) => m.text.startsWith(`<@${PEOPLE.alex}> reviewed the SSH keys. 2 SSH key(s)`))).toBe(true);
    // Reviewing deletes nothing yet: the deletion does, when it runs.
    expect(stack.ibm.vpcKey(SIM_VPC.janeLaptop)).toBeDefined();

    await player.retry(PEOPLE.alex, id);
    // The retry asks about each server of the keys chosen; the round waits for them.
    const codes = await openServerTasks(stack, id);
    expect(Object.keys(codes)).toEqual([WEB1, DB1]);
    for (const code of Object.values(codes)) await player.task(PEOPLE.riley, 'taskDone', id, SERVERS_STEP, code);
    await finishedTrail(stack, id, { rounds: 2 });
    expect((await stateOf(stack, id, KEYS_STEP))?.state).toBe('verified');
    expect([SIM_VPC.janeLaptop, SIM_VPC.janeDoeCi].map((k) => stack.ibm.vpcKey(k))).toEqual([undefined, undefined]);
    expect(stack.ibm.vpcKey(SIM_VPC.deploy)).toBeDefined();
    expect(stack.ibm.vpcKey(SIM_VPC.mary)).toBeDefined();
    const servers = await stateOf(stack, id, SERVERS_STEP);
    expect(servers?.state).toBe('attested');
    expect(servers?.items?.map((i) => [i.label, i.attestation?.by, i.attestation?.outcome])).toEqual([
      [WEB1, PEOPLE.riley, 'done'],
      [DB1, PEOPLE.riley, 'done'],
    ]);
    expect(eventsOf(await readTrail(stack, id), 'run.finished').map((e) => e.outcome)).toEqual(['failures', 'unchecked']);
  });

  it('are never reviewed by the approver who made the request: refused in the modal, nothing recorded', async () => {
    const { stack, player, id } = await janeLeaves('delete_now', PEOPLE.riley);
    await finishedTrail(stack, id);
    await clickReview(stack, player, PEOPLE.riley, id);
    const refused = stack.slack.views.filter((v) => v.userId === PEOPLE.riley).at(-1);
    expect(JSON.stringify(refused?.view)).toContain('You made this request');
    expect(reviewModal(stack, PEOPLE.riley)).toBeUndefined();
  });

  it('are never reviewed by an approver being offboarded: refused in the modal saying why, recorded in the trail, no review made', async () => {
    const { stack, player, id } = await janeLeaves('delete_now');
    await finishedTrail(stack, id);
    await player.request(PEOPLE.morgan, { person: PEOPLE.riley, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-RILEY' }, { awaitPreview: false });

    await clickReview(stack, player, PEOPLE.riley, id);

    const being = 'An offboarding request about you is open, so you cannot act on offboarding requests or their evidence until it is closed.';
    const refused = stack.slack.views.filter((v) => v.userId === PEOPLE.riley).at(-1);
    expect(JSON.stringify(refused?.view)).toContain(being);
    expect(reviewModal(stack, PEOPLE.riley)).toBeUndefined();
    const trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'approval.refused').map((e) => [e.actor, e.action, e.reason])).toEqual([[PEOPLE.riley, 'review', being]]);
    expect(eventsOf(trail, 'review.recorded')).toEqual([]);
  });
});
