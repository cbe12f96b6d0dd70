import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { BADGE } from '../../app/demo/world.js';
import { APPROVAL_CHANNEL, FACILITIES_GROUP, PEOPLE } from '../../app/demo/workspace.js';
import { runView } from '../../src/runs/run-view.js';
import { ACME_PRODUCTION } from '../../src/simulators/ibm-cloud/index.js';
import { ACTIONS, VIEWS } from '../../src/slack/blocks/ids.js';
import { ephemeralsFor, eventsOf, eventually, finishedTrail, readTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const janeLeaves = { person: PEOPLE.jane, reason: 'resignation' as const, successor: PEOPLE.taylor, ticket: 'HR-BADGE' };
const TASK = `${BADGE}.task.attestation`;
/**
 * IBM Cloud in the account the bot's key belongs to only, where every step can look: the round's
 * outcome is then the task's to decide (elsewhere a step not checked outranks "attested").
 */
const PRODUCTION_ONLY = { accounts: [ACME_PRODUCTION] };

type Started = Awaited<ReturnType<typeof start>>;

/** Approves Jane's offboarding and waits until the door-badge task is open in the checklist. */
async function openTask({ stack, player }: Started) {
  const id = await player.request(PEOPLE.morgan, janeLeaves);
  await player.click(PEOPLE.alex, 'approve', id);
  await eventually(async () => runView(await readTrail(stack, id)).steps.find((s) => s.id === TASK)?.state === 'open', 20_000, 'the task to open');
  // Every other step has ended: only the task holds the run.
  await eventually(async () => runView(await readTrail(stack, id)).steps.every((s) => s.id === TASK || s.state === 'verified'), 20_000, 'the other steps');
  return id;
}

const validatePack = new Ajv2020({ allErrors: true, strict: true }).compile(
  JSON.parse(readFileSync(new URL('../../src/evidence/evidence-pack.schema.json', import.meta.url), 'utf8')) as object,
);

/** The round's evidence pack as sent: its JSON, and its PDF's text on one line. */
async function evidenceOf({ stack, player }: Started, id: string) {
  const pdf = await player.evidence(id);
  const json = stack.slack.files.find((f) => f.filename.endsWith(`${id}.json`))!;
  const text = (await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true })).text;
  return { pack: JSON.parse(Buffer.from(json.bytes).toString('utf8')), pdf: text.replace(/\s+/g, ' ') };
}

const checklistText = (player: Started['player'], id: string) => JSON.stringify(player.checklist(id)?.blocks ?? []);

describe('a manual task (kind: manual) in the checklist', () => {
  it('waits for attestation, refuses anyone but its attesters and approvers, and ends the run "attested" once facilities click Done', async () => {
    const started = await start({ tasks: [BADGE], ibm: PRODUCTION_ONLY });
    const { stack, player } = started;
    const id = await openTask(started);
    // Approvers were told, before deciding, what will be asked: the task lists nothing, so it is never "not found there".
    const preview = JSON.stringify(player.approvalMessage(id)?.blocks ?? []);
    expect(preview).toContain('Door badge · task: a task a person attests once the run starts: Disable the badge in the access-control console');
    expect(preview).not.toContain('matches no identity');
    await eventually(async () => checklistText(player, id).includes('Waiting for attestation'), 10_000, 'the checklist to say it waits');
    const waiting = checklistText(player, id);
    expect(waiting).toContain('Disable the badge in the access-control console');
    expect(waiting).toContain(`<!subteam^${FACILITIES_GROUP}>`);
    expect(waiting).not.toContain('Finished');

    // Chris is neither in facilities nor an approver; Jane is the person leaving.
    await player.task(PEOPLE.chris, 'taskDone', id, TASK);
    await player.task(PEOPLE.jane, 'taskDone', id, TASK);
    expect(ephemeralsFor(stack, PEOPLE.chris).at(-1)?.text).toContain('or an offboarding approver can attest *Door badge*, so nothing was recorded');
    expect(ephemeralsFor(stack, PEOPLE.jane).at(-1)?.text).toContain('your own offboarding');
    let trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'step.attested')).toEqual([]);
    expect(eventsOf(trail, 'run.finished')).toEqual([]);
    expect(runView(trail).steps.find((s) => s.id === TASK)?.state).toBe('open');

    // Taylor (facilities) and Riley (approver) click at once: one attestation, Taylor's or Riley's.
    await Promise.all([player.task(PEOPLE.taylor, 'taskDone', id, TASK), player.task(PEOPLE.riley, 'taskDone', id, TASK)]);
    trail = await finishedTrail(stack, id);
    const attested = eventsOf(trail, 'step.attested');
    expect(attested).toHaveLength(1);
    expect([PEOPLE.taylor, PEOPLE.riley]).toContain(attested[0]!.actor);
    expect(attested[0]!.outcome).toBe('done');
    expect(eventsOf(trail, 'run.finished')).toMatchObject([{ outcome: 'attested', failedSteps: [] }]);
    const loser = attested[0]!.actor === PEOPLE.taylor ? PEOPLE.riley : PEOPLE.taylor;
    expect(ephemeralsFor(stack, loser).at(-1)?.text).toContain(`already attested by <@${attested[0]!.actor}>`);

    const done = await stack.slack.waitFor(() => {
      const text = checklistText(player, id);
      return text.includes('Finished') ? text : undefined;
    });
    expect(done).toContain(`done, *attested* by <@${attested[0]!.actor}>`);
    expect(done).toContain('every step verified by read-back or attested');
    expect(done).not.toContain('offboard_task_done');

    // The evidence says who attested and when, never that the bot verified it.
    const { pack, pdf } = await evidenceOf(started, id);
    expect(validatePack(pack)).toBe(true);
    expect(pack.outcome.result).toBe('attested');
    // Access ended when the last step did: here, the badge's attestation.
    expect(pack.outcome.access_ended_at).toBe(attested[0]!.at);
    const step = pack.steps.find((s: { id: string }) => s.id === TASK);
    expect(step).toMatchObject({
      state: 'attested',
      assurance: 'attested_by_person',
      verification: null,
      attestation: { by: attested[0]!.actor, at: attested[0]!.at, outcome: 'done', note: null, carried_from_round: null },
    });
    expect(pdf).toContain('Door badge: ATTESTED');
    // The timeline says it in words: opened, attested, and the round's outcome.
    expect(pdf).toContain(`Task opened, waiting for attestation by user group ${FACILITIES_GROUP} or an approver`);
    expect(pdf).toContain('Round 1: all steps verified or attested by a person');
    expect(pdf).toMatch(new RegExp(`Done: attested by .*\\(${attested[0]!.actor}\\) at`));
    expect(pdf).not.toMatch(/Door badge: VERIFIED/);
  });

  it('Not applicable asks for a note, keeps the task open without one, and records the note with the attester', async () => {
    const started = await start({ tasks: [BADGE], ibm: PRODUCTION_ONLY });
    const { stack, player } = started;
    const id = await openTask(started);

    // Someone who may not attest gets no form.
    await player.task(PEOPLE.chris, 'taskNotApplicable', id, TASK);
    expect(stack.slack.views.filter((v) => v.view.callback_id === VIEWS.taskNote)).toEqual([]);

    await player.task(PEOPLE.taylor, 'taskNotApplicable', id, TASK);
    const modal = stack.slack.views.find((v) => v.kind === 'open' && v.userId === PEOPLE.taylor && v.view.callback_id === VIEWS.taskNote)!;
    expect(modal).toBeDefined();
    const empty = await player.submitTaskNote(PEOPLE.taylor, modal.id, '   ');
    expect(empty.json).toMatchObject({ response_action: 'errors' });
    expect(eventsOf(await readTrail(stack, id), 'step.attested')).toEqual([]);

    await player.submitTaskNote(PEOPLE.taylor, modal.id, 'Jane never had a badge: remote contractor.');
    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'step.attested')).toMatchObject([
      { actor: PEOPLE.taylor, outcome: 'not_applicable', note: 'Jane never had a badge: remote contractor.' },
    ]);
    expect(eventsOf(trail, 'run.finished')[0]!.outcome).toBe('attested');
    const { pack, pdf } = await evidenceOf(started, id);
    expect(pack.steps.find((s: { id: string }) => s.id === TASK).attestation).toMatchObject({
      outcome: 'not_applicable',
      note: 'Jane never had a badge: remote contractor.',
    });
    expect(pdf).toContain('Not applicable: attested by');
    expect(pdf).toContain('Jane never had a badge: remote contractor.');
  });

  it('a task button naming no task, or another request, is answered and records nothing', async () => {
    const started = await start({ tasks: [BADGE], ibm: PRODUCTION_ONLY });
    const { stack, player } = started;
    const id = await openTask(started);
    const checklist = player.checklist(id)!;
    const click = (value: string) =>
      stack.events.blockAction({
        userId: PEOPLE.taylor,
        actionId: ACTIONS.taskDone,
        blockId: `task.${TASK}`,
        value,
        channel: APPROVAL_CHANNEL,
        messageTs: checklist.ts,
      });
    await click(`${id}|${TASK}|extra`);
    await click('not a task');
    await click(`OFF-ZZZZZZ|${TASK}`);
    await stack.bot.settled();
    expect(ephemeralsFor(stack, PEOPLE.taylor).map((e) => e.text)).toEqual([
      'This button does not name a task I know, so nothing was recorded. Use the buttons on the checklist.',
      'This button does not name a task I know, so nothing was recorded. Use the buttons on the checklist.',
      'This task is not open for attestation (the offboarding has moved on), so nothing was recorded.',
    ]);
    const trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'step.attested')).toEqual([]);
    expect(runView(trail).steps.find((s) => s.id === TASK)?.state).toBe('open');
  });

  it('reminds its attesters on its timer until attested, and never after', async () => {
    const started = await start({ tasks: [BADGE], ibm: PRODUCTION_ONLY, env: { OFFBOARD_TASK_REMIND_AFTER: '1s' } });
    const { stack, player } = started;
    const id = await openTask(started);
    await eventually(async () => eventsOf(await readTrail(stack, id), 'task.reminded').length >= 2, 15_000, 'two reminders');
    const reminders = await stack.slack.waitFor(() => {
      const posted = stack.slack.thread(APPROVAL_CHANNEL, player.approvalMessage(id)!.ts).filter((m) => m.text.includes('is still open in the checklist'));
      return posted.length >= 2 ? posted : undefined;
    });
    expect(reminders[0]!.text).toContain(`<!subteam^${FACILITIES_GROUP}>`);

    await player.task(PEOPLE.taylor, 'taskDone', id, TASK);
    await finishedTrail(stack, id);
    const after = eventsOf(await readTrail(stack, id), 'task.reminded').length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(eventsOf(await readTrail(stack, id), 'task.reminded')).toHaveLength(after);
  });

  it('attested in the disable phase, it is not asked again when the grace period ends: the deletion carries the attestation', async () => {
    const started = await start({ tasks: [BADGE], ibm: PRODUCTION_ONLY });
    const { stack, player } = started;
    const id = await player.request(PEOPLE.morgan, { ...janeLeaves, disposition: 'disable_then_delete' as const });
    await player.click(PEOPLE.alex, 'approve', id);
    await eventually(async () => runView(await readTrail(stack, id)).steps.find((s) => s.id === TASK)?.state === 'open', 20_000, 'the task to open');
    await player.task(PEOPLE.taylor, 'taskDone', id, TASK);
    await finishedTrail(stack, id);
    await stack.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks ?? []).includes('offboard_end_grace'), { timeoutMs: 20_000 });
    await player.checklistButton(PEOPLE.riley, 'endGrace', id);
    const trail = await finishedTrail(stack, id, { rounds: 2 });
    const attestations = eventsOf(trail, 'step.attested');
    expect(attestations).toHaveLength(2);
    expect(attestations[1]).toMatchObject({ actor: PEOPLE.taylor, attestedAt: attestations[0]!.at, carriedFrom: 1 });
    // Opened once, in the disable phase; never reopened or reminded.
    expect(eventsOf(trail, 'task.opened')).toHaveLength(1);
    expect(eventsOf(trail, 'run.finished').map((e) => e.outcome)).toEqual(['attested', 'attested']);
  });
});
