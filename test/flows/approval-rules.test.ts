import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { FormAnswers } from '../../app/demo/request-form-values.js';
import type { SlackPlayer } from '../../app/demo/slack-player.js';
import { APPROVAL_CHANNEL, APPROVERS_GROUP, PEOPLE } from '../../app/demo/workspace.js';
import { FIELDS, inputAction, VIEWS } from '../../src/slack/blocks/ids.js';
import {
  ephemeralsFor,
  eventsOf,
  finishedTrail,
  queueSnapshot,
  readTrail,
  rejectModalsFor,
  submitRejectModal,
  storedStatus,
} from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const schema = JSON.parse(readFileSync(new URL('../../src/evidence/evidence-pack.schema.json', import.meta.url), 'utf8')) as object;
const validatePack = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

const ALEX = `<@${PEOPLE.alex}>`;
const RILEY = `<@${PEOPLE.riley}>`;
const DANA = `<@${PEOPLE.dana}>`;

const forCause = (person: string): FormAnswers => ({ person, reason: 'termination_for_cause', successor: PEOPLE.taylor, ticket: 'HR-9' });

const dir = mkdtempSync(join(tmpdir(), 'offboard-rules-'));
function policyFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const messageText = (player: SlackPlayer, id: string) => JSON.stringify(player.approvalMessage(id)?.blocks ?? []);

/** Nothing was approved, planned or queued, and IBM Cloud was only read. */
async function expectNoRun(stack: LocalStack, id: string) {
  const trail = await readTrail(stack, id);
  expect(eventsOf(trail, 'request.approved')).toEqual([]);
  expect(eventsOf(trail, 'run.planned')).toEqual([]);
  expect((await queueSnapshot(stack)).total).toBe(0);
  expect(stack.ibm.requests.filter((r) => r.method !== 'GET' && !r.path.startsWith('/identity/token'))).toEqual([]);
}

/** Submits the approval confirmation form as Slack would, with `typed` in it. */
function submitConfirmation(stack: LocalStack, userId: string, view: { id: string; view: Record<string, unknown> }, typed: string) {
  return stack.events.viewSubmission({
    userId,
    view: { id: view.id, callback_id: VIEWS.confirmApproval, private_metadata: view.view.private_metadata as string },
    values: { [FIELDS.confirmation]: { [inputAction(FIELDS.confirmation)]: { type: 'plain_text_input', value: typed } } },
  });
}

describe('a termination for cause, under the default rules', () => {
  it('needs two distinct approvals: the first shows "1 of 2" and who else may approve, the same approver twice counts once, the requester and the leaver never count', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, forCause(PEOPLE.jane));
    // Morgan, an approver, requested it: Alex and Riley may decide.
    expect(messageText(player, id)).toContain(`*Approvals* (rule \\"Termination for cause\\"): 0 of 2 approvals. Also may approve: ${ALEX}, ${RILEY}.`);

    await player.click(PEOPLE.morgan, 'approve', id);
    await player.click(PEOPLE.jane, 'approve', id);
    expect(ephemeralsFor(stack, PEOPLE.morgan).map((e) => e.text)).toEqual([expect.stringContaining('You requested this offboarding')]);
    expect(ephemeralsFor(stack, PEOPLE.jane).map((e) => e.text)).toEqual([expect.stringContaining('You cannot decide on your own offboarding')]);
    expect(eventsOf(await readTrail(stack, id), 'approval.recorded')).toEqual([]);

    await player.click(PEOPLE.alex, 'approve', id);
    expect(ephemeralsFor(stack, PEOPLE.alex).map((e) => e.text)).toEqual([
      `Your approval of ${id} is recorded. 1 of 2 approvals: ${ALEX}. Also may approve: ${RILEY}.`,
    ]);
    await stack.slack.waitFor(() => messageText(player, id).includes(`1 of 2 approvals: ${ALEX}. Also may approve: ${RILEY}.`));
    await player.click(PEOPLE.alex, 'approve', id);
    expect(ephemeralsFor(stack, PEOPLE.alex)[1]!.text).toContain('a second click does not count twice');
    expect(eventsOf(await readTrail(stack, id), 'approval.recorded')).toHaveLength(1);
    expect(await storedStatus(stack, id)).toBe('pending');
    await expectNoRun(stack, id);

    await player.click(PEOPLE.riley, 'approve', id);
    const trail = await finishedTrail(stack, id);
    const [approved] = eventsOf(trail, 'request.approved');
    expect(approved).toMatchObject({
      actor: PEOPLE.riley,
      approvedBy: [PEOPLE.alex, PEOPLE.riley],
      rule: 'Termination for cause',
      approvers: [PEOPLE.alex, PEOPLE.riley],
    });
    expect(approved!.digest).toMatch(/^[0-9a-f]{64}$/);
    // The evidence lists each approval with the digest of what it approved.
    expect(eventsOf(trail, 'approval.recorded').map((e) => [e.actor, e.digest])).toEqual([
      [PEOPLE.alex, approved!.digest],
      [PEOPLE.riley, approved!.digest],
    ]);
    expect(eventsOf(trail, 'run.planned')).toHaveLength(1);

    const json = await stack.slack.waitFor(() => stack.slack.files.find((f) => f.filename.endsWith(`${id}.json`)), { timeoutMs: 20_000 });
    const pack = JSON.parse(json.bytes.toString('utf8'));
    expect(validatePack(pack), JSON.stringify(validatePack.errors)).toBe(true);
    expect(pack.approvals[0]).toMatchObject({
      rule: 'Termination for cause',
      each_approval: [
        { by: PEOPLE.alex, digest: approved!.digest },
        { by: PEOPLE.riley, digest: approved!.digest },
      ],
    });
  });

  it('a rejection after the first approval ends it: nothing runs', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, forCause(PEOPLE.jane));
    await player.click(PEOPLE.alex, 'approve', id);

    await player.click(PEOPLE.riley, 'reject', id);
    const [modal] = rejectModalsFor(stack, PEOPLE.riley);
    await submitRejectModal(stack, PEOPLE.riley, modal!.id, 'Not for cause after all');
    await stack.bot.settled();

    expect(await storedStatus(stack, id)).toBe('rejected');
    expect(eventsOf(await readTrail(stack, id), 'request.rejected')).toEqual([
      expect.objectContaining({ actor: PEOPLE.riley, reason: 'Not for cause after all' }),
    ]);
    await player.click(PEOPLE.morgan, 'approve', id);
    await expectNoRun(stack, id);
  });

  it('an approval is bound to what it approved: when the preview changes the terms after the first approval, it asks again', async () => {
    const { stack, player } = await start();
    // A slow IAM keeps the preview out until after Alex approves.
    stack.ibm.setLatency(1_500);
    const id = await player.request(PEOPLE.morgan, forCause(PEOPLE.jane), { awaitPreview: false });
    await player.click(PEOPLE.alex, 'approve', id);
    stack.ibm.setLatency(0);
    await stack.slack.waitFor(() => !messageText(player, id).includes('Checking what they hold'), { timeoutMs: 15_000 });
    await stack.slack.waitFor(() => messageText(player, id).includes(`${ALEX} approved it before it changed`));
    expect(messageText(player, id)).toContain('0 of 2 approvals');

    // Riley's approval is the first of the terms as they are now: still one short.
    await player.click(PEOPLE.riley, 'approve', id);
    expect(ephemeralsFor(stack, PEOPLE.riley).map((e) => e.text)).toEqual([
      `Your approval of ${id} is recorded. 1 of 2 approvals: ${RILEY}. Also may approve: ${ALEX}.`,
    ]);
    expect(await storedStatus(stack, id)).toBe('pending');
    await expectNoRun(stack, id);

    await player.click(PEOPLE.alex, 'approve', id);
    const trail = await finishedTrail(stack, id);
    const [approved] = eventsOf(trail, 'request.approved');
    const recorded = eventsOf(trail, 'approval.recorded');
    expect(recorded.map((e) => e.actor)).toEqual([PEOPLE.alex, PEOPLE.riley, PEOPLE.alex]);
    expect(recorded[0]!.digest).not.toBe(approved!.digest);
    expect(recorded.slice(1).map((e) => e.digest)).toEqual([approved!.digest, approved!.digest]);
    expect(approved!.approvedBy).toEqual([PEOPLE.alex, PEOPLE.riley]);
  });
});

describe('rules from OFFBOARD_POLICY_FILE', () => {
  const contractors = policyFile(
    'contractors.yaml',
    `rules:
  - name: Contractors
    when: { subjectGroups: [S0CONTRACT] }
    approvals: 1
    approverGroups: [S0SECURE]
    typedConfirmation: true
  - name: Two rejections
    when: { reasons: [contract_end] }
    approvals: 1
    rejections: 2
  - name: Everyone else
    approvals: 1
`,
  );
  const groups = { S0CONTRACT: [PEOPLE.chris], S0SECURE: [PEOPLE.dana, PEOPLE.riley] };

  it("a contractor: only the rule's approver group may approve, and an approval counts once the person's email or name is typed", async () => {
    const { stack, player } = await start({ env: { OFFBOARD_POLICY_FILE: contractors }, extraUsergroups: groups });
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.chris, reason: 'resignation', ticket: 'HR-3' });
    expect(messageText(player, id)).toContain(`*Approval* (rule \\"Contractors\\"): one approval from ${DANA}, ${RILEY}.`);
    expect(messageText(player, id)).toContain("Approving asks for the person's email or name to be typed.");
    expect(messageText(player, id)).toContain('only members of the user group S0SECURE (rule \\"Contractors\\") can decide');
    expect(messageText(player, id)).not.toContain('only offboarding approvers can decide');

    // Alex approves for the bot in general, but this rule names another group.
    await player.click(PEOPLE.alex, 'approve', id);
    expect(ephemeralsFor(stack, PEOPLE.alex).map((e) => e.text)).toEqual([
      ':no_entry: Only members of the user group S0SECURE can decide on this request (rule "Contractors"). Approvers: <!subteam^S0SECURE>.',
    ]);

    await player.click(PEOPLE.dana, 'approve', id);
    const opened = stack.slack.views.filter((v) => v.kind === 'open' && v.userId === PEOPLE.dana && v.view.callback_id === VIEWS.confirmApproval);
    expect(opened).toHaveLength(1);
    expect(await storedStatus(stack, id)).toBe('pending');

    // Someone else's name: nothing is approved, and the form asks again.
    const wrong = await submitConfirmation(stack, PEOPLE.dana, opened[0]!, 'Jane Doe');
    expect(wrong.json).toMatchObject({ response_action: 'update' });
    await stack.bot.settled();
    const asked = stack.slack.views.filter((v) => v.kind === 'update' && v.id === opened[0]!.id).at(-1)!;
    expect(JSON.stringify(asked.view)).toContain('What you typed does not name the person leaving.');
    expect(await storedStatus(stack, id)).toBe('pending');
    await expectNoRun(stack, id);

    // Nothing typed is answered in the form itself.
    const empty = await submitConfirmation(stack, PEOPLE.dana, opened[0]!, '   ');
    expect(empty.json).toMatchObject({ response_action: 'errors', errors: { [FIELDS.confirmation]: expect.stringContaining('Type the email') } });

    await submitConfirmation(stack, PEOPLE.dana, opened[0]!, '  CHRIS.contractor@acme.example ');
    await stack.bot.settled();
    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'request.approved')).toEqual([
      expect.objectContaining({ actor: PEOPLE.dana, rule: 'Contractors', approvers: [PEOPLE.dana, PEOPLE.riley] }),
    ]);
    expect(JSON.stringify(stack.slack.views.filter((v) => v.id === opened[0]!.id).at(-1)!.view)).toContain('is approved');
  });

  it("reminders call on the rule's own approver group, who can decide, and not on OFFBOARD_APPROVERS, who cannot; a request under the catch-all still calls on the approvers", async () => {
    const { stack, player } = await start({ env: { OFFBOARD_POLICY_FILE: contractors, OFFBOARD_REMIND_AFTER: '1s' }, extraUsergroups: groups });
    const contractor = await player.request(PEOPLE.morgan, { person: PEOPLE.chris, reason: 'resignation', ticket: 'HR-5' });
    const employee = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', ticket: 'HR-6' });
    const reminderIn = (id: string) =>
      stack.slack.waitFor(
        () => stack.slack.thread(APPROVAL_CHANNEL, player.approvalMessage(id)!.ts).find((m) => m.text.includes(`Reminder: request *${id}*`)),
        {
          timeoutMs: 15_000,
        },
      );
    const [toContractorDeciders, toApprovers] = await Promise.all([reminderIn(contractor), reminderIn(employee)]);
    expect(toContractorDeciders.text).toMatch(/^<!subteam\^S0SECURE> :bell: Reminder/);
    expect(toContractorDeciders.text).not.toContain(`<!subteam^${APPROVERS_GROUP}>`);
    expect(toApprovers.text).toMatch(new RegExp(`^<!subteam\\^${APPROVERS_GROUP}> :bell: Reminder`));
    expect(toApprovers.text).not.toContain('S0SECURE');
    // Reminding decides nothing.
    expect(await storedStatus(stack, contractor)).toBe('pending');
    expect(eventsOf(await readTrail(stack, contractor), 'request.approved')).toEqual([]);
  });

  it('a rule that takes two rejections: the first is recorded and the request stays pending; the second rejects it', async () => {
    const { stack, player } = await start({ env: { OFFBOARD_POLICY_FILE: contractors }, extraUsergroups: groups });
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'contract_end', ticket: 'HR-4' });
    expect(messageText(player, id)).toContain('It is rejected after 2 rejections.');

    await player.click(PEOPLE.riley, 'reject', id);
    await submitRejectModal(stack, PEOPLE.riley, rejectModalsFor(stack, PEOPLE.riley)[0]!.id, 'Contract extended');
    await stack.bot.settled();
    expect(await storedStatus(stack, id)).toBe('pending');
    expect(eventsOf(await readTrail(stack, id), 'rejection.recorded')).toEqual([expect.objectContaining({ actor: PEOPLE.riley, needed: 2 })]);
    await stack.slack.waitFor(() => messageText(player, id).includes(`It is rejected after 2 rejections (1 so far: ${RILEY}).`));

    await player.click(PEOPLE.alex, 'reject', id);
    await submitRejectModal(stack, PEOPLE.alex, rejectModalsFor(stack, PEOPLE.alex)[0]!.id, 'Agreed');
    await stack.bot.settled();
    expect(await storedStatus(stack, id)).toBe('rejected');
    expect(eventsOf(await readTrail(stack, id), 'request.rejected')).toEqual([
      expect.objectContaining({ actor: PEOPLE.alex, rejectedBy: [PEOPLE.alex, PEOPLE.riley] }),
    ]);
    await expectNoRun(stack, id);
  });
});
