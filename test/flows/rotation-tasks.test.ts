import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import type { FormAnswers } from '../../app/demo/request-form-values.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { rotationTasks } from '../../src/runs/handed-over.js';
import { runView } from '../../src/runs/run-view.js';
import { SIM_NHI_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { ACTIONS, VIEWS } from '../../src/slack/blocks/ids.js';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { canonicalJson } from '../../src/audit/audit-chain.js';
import { buildEvidencePack, type EvidencePack } from '../../src/evidence/evidence-pack.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { verifyPackFile } from '../../src/verify/verify-pack.js';
import { startOffboardBot } from '../../app/offboard-bot.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { Keys } from '../../src/redis.js';
import { SIM_SIGNING_SECRET } from '../../app/demo/local-stack.js';
import { SlackPlayer } from '../../app/demo/slack-player.js';
import { createLogger } from '../../src/logger.js';
import { SlackEventsClient } from '../../src/simulators/slack/slack-events-client.js';
import { EVENTS_PATH } from '../../src/slack/slack-server.js';
import { replacementName } from '../../src/runs/bot-rotation.js';
import { CHECKLIST_VERIFIED_BUT_ONE, ephemeralsFor, eventsOf, eventually, finishedTrail, readTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

const janeLeaves = (created: FormAnswers['created']): FormAnswers => ({
  person: PEOPLE.jane,
  reason: 'resignation',
  disposition: 'disable_then_delete',
  graceDays: '30',
  successor: PEOPLE.taylor,
  ticket: 'HR-ROTATE',
  created,
});

/** Jane's request, handed over to Taylor, approved and its first round finished. */
async function handedOver(opts: Parameters<typeof start>[0] = {}) {
  const { stack, player } = await start(opts);
  const id = await player.request(PEOPLE.morgan, janeLeaves('hand_over'));
  await player.click(PEOPLE.alex, 'approve', id);
  const trail = await finishedTrail(stack, id);
  const tasks = rotationTasks(runView(trail));
  const codeOf = (itemId: string) => tasks.find((t) => t.id === itemId)!.code;
  const checklist = () => JSON.stringify(player.checklist(id)?.blocks ?? []);
  // The checklist of the finished round, with every task the round recorded.
  await stack.slack.waitFor(() => checklist().includes(CHECKLIST_VERIFIED_BUT_ONE) && checklist().includes('Rotation tasks'), { timeoutMs: 15_000 });
  return { stack, player, id, tasks, codeOf, checklist };
}

describe('rotation tasks of handed-over credentials', () => {
  it('are every credential she made or has seen, not the instance or profile, listed in the checklist with their buttons', async () => {
    const { stack, id, tasks, checklist } = await handedOver();
    expect(tasks.map((t) => t.id).sort()).toEqual([SIM_NHI_IDS.ciPipelineKey, SIM_NHI_IDS.janeResourceKey, SIM_NHI_IDS.logShipperJaneKey].sort());
    expect(checklist()).toContain('3 of 3 credential(s) still to rotate');
    expect(checklist()).toContain('Rotated myself: service credential ci-artifacts-writer');
    // Its secret is never read into Slack or the trail.
    expect(JSON.stringify(stack.slack.messages(APPROVAL_CHANNEL))).not.toContain(SIM_NHI_IDS.janeResourceKeySecret);
    expect(JSON.stringify(await readTrail(stack, id))).not.toContain(SIM_NHI_IDS.janeResourceKeySecret);
  });

  it('Rotated myself by the successor is recorded as attested by them, with the time, and shown; a second click records nothing', async () => {
    const { stack, player, id, codeOf, checklist } = await handedOver();
    await player.rotation(PEOPLE.taylor, 'rotatedMyself', id, codeOf(SIM_NHI_IDS.janeResourceKey));

    const [closed] = eventsOf(await readTrail(stack, id), 'rotation.closed');
    expect(closed).toMatchObject({ itemId: SIM_NHI_IDS.janeResourceKey, actor: PEOPLE.taylor, outcome: 'rotated_myself' });
    expect(Date.parse(closed!.at)).not.toBeNaN();
    await stack.slack.waitFor(() => checklist().includes(`rotated, attested by <@${PEOPLE.taylor}>`));
    expect(checklist()).toContain('2 of 3 credential(s) still to rotate');

    await player.rotation(PEOPLE.alex, 'rotatedMyself', id, codeOf(SIM_NHI_IDS.janeResourceKey));
    expect(eventsOf(await readTrail(stack, id), 'rotation.closed')).toHaveLength(1);
    expect(ephemeralsFor(stack, PEOPLE.alex).at(-1)?.text).toContain(`already closed by <@${PEOPLE.taylor}>`);
  });

  it('Not needed asks for the reason, then records it as attested by who gave it (an approver may)', async () => {
    const { stack, player, id, codeOf, checklist } = await handedOver();
    await player.rotation(PEOPLE.alex, 'rotationNotNeeded', id, codeOf(SIM_NHI_IDS.logShipperJaneKey));
    const modal = stack.slack.views.find((v) => v.kind === 'open' && v.userId === PEOPLE.alex && v.view.callback_id === VIEWS.rotationNote)!;
    expect(modal).toBeDefined();

    const empty = await player.submitRotationNote(PEOPLE.alex, modal.id, '  ');
    expect(empty.json).toMatchObject({ response_action: 'errors' });
    expect(eventsOf(await readTrail(stack, id), 'rotation.closed')).toEqual([]);

    await player.submitRotationNote(PEOPLE.alex, modal.id, 'The log shipper is retired <!channel> next week.');
    const [closed] = eventsOf(await readTrail(stack, id), 'rotation.closed');
    expect(closed).toMatchObject({
      itemId: SIM_NHI_IDS.logShipperJaneKey,
      actor: PEOPLE.alex,
      outcome: 'not_needed',
      note: 'The log shipper is retired <!channel> next week.',
    });
    await stack.slack.waitFor(() => checklist().includes(`not needed (The log shipper is retired &lt;!channel&gt; next week.), attested by <@${PEOPLE.alex}>`));

    // The evidence pack of the next round carries it among the attestations, and no secret.
    // Once the first round has moved the request on (the checklist offers to end the grace period).
    await stack.slack.waitFor(() => checklist().includes(ACTIONS.endGrace), { timeoutMs: 20_000 });
    await player.checklistButton(PEOPLE.riley, 'endGrace', id);
    await finishedTrail(stack, id, { rounds: 2 });
    await player.evidence(id, 20_000, 2);
    const file = stack.slack.files.find((f) => f.filename.endsWith(`${id}-round2.json`))!;
    const pack = Buffer.from(file.bytes).toString('utf8');
    const { attestations } = JSON.parse(pack) as { attestations: { type: string; event: { actor: string; note: string } }[] };
    expect(attestations).toContainEqual(
      expect.objectContaining({
        type: 'rotation.closed',
        event: expect.objectContaining({ actor: PEOPLE.alex, note: 'The log shipper is retired <!channel> next week.' }),
      }),
    );
    expect(pack).not.toContain(SIM_NHI_IDS.janeResourceKeySecret);
  });

  it('only the named successor or an approver may close one: anyone else, and the person leaving, are refused and nothing changes', async () => {
    const { stack, player, id, codeOf, checklist } = await handedOver();
    const code = codeOf(SIM_NHI_IDS.janeResourceKey);
    await player.rotation(PEOPLE.chris, 'rotatedMyself', id, code);
    expect(ephemeralsFor(stack, PEOPLE.chris).at(-1)?.text).toContain(`Only <@${PEOPLE.taylor}>, who took over what they created, or an offboarding approver`);
    await player.rotation(PEOPLE.jane, 'rotatedMyself', id, code);
    expect(ephemeralsFor(stack, PEOPLE.jane).at(-1)?.text).toContain('your own offboarding');
    await player.rotation(PEOPLE.chris, 'rotationNotNeeded', id, code);
    expect(stack.slack.views.filter((v) => v.view.callback_id === VIEWS.rotationNote)).toEqual([]);
    // A button naming no task of the request records nothing either.
    await player.rotation(PEOPLE.alex, 'rotatedMyself', id, '0123456789ab');
    expect(ephemeralsFor(stack, PEOPLE.alex).at(-1)?.text).toContain('names no rotation task');

    expect(eventsOf(await readTrail(stack, id), 'rotation.closed')).toEqual([]);
    expect(checklist()).toContain('3 of 3 credential(s) still to rotate');
  });

  it('when what she created is disabled, are the credentials left working only: not the keys the run disabled', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves('disable'));
    await player.click(PEOPLE.alex, 'approve', id);
    const trail = await finishedTrail(stack, id);
    expect(
      rotationTasks(runView(trail))
        .map((t) => t.id)
        .sort(),
    ).toEqual([SIM_NHI_IDS.janeResourceKey, SIM_NHI_IDS.logShipperJaneKey].sort());
    await stack.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks ?? []).includes('2 of 2 credential(s) still to rotate'));
  });
});

describe('Rotate for me', () => {
  /** The trail once `probe` finds what the bot's job recorded. */
  const trailWith = async (
    stack: Awaited<ReturnType<typeof handedOver>>['stack'],
    id: string,
    probe: (t: Awaited<ReturnType<typeof readTrail>>) => boolean,
    what: string,
  ) =>
    eventually(
      async () => {
        const trail = await readTrail(stack, id);
        return probe(trail) && trail;
      },
      20_000,
      what,
    );

  it('makes a stored-value key on the same service ID, disables the old key only after Switched, reads it back, and deletes it at the delete phase, not before; no secret reaches Slack, the logs, the trail or the pack', async () => {
    const lines: string[] = [];
    const { stack, player, id, codeOf, checklist } = await handedOver({ logger: createLogger('debug', { write: (line: string) => void lines.push(line) }) });
    const old = SIM_NHI_IDS.ciPipelineKey;
    const code = codeOf(old);
    const serviceIdIamId = stack.ibm.apiKey(old)!.iam_id;

    await player.rotation(PEOPLE.taylor, 'rotateForMe', id, code);
    let trail = await trailWith(stack, id, (t) => eventsOf(t, 'rotation.replaced').length > 0, 'the replacement');
    expect(eventsOf(trail, 'rotation.requested')).toEqual([expect.objectContaining({ itemId: old, actor: PEOPLE.taylor })]);
    const [replaced] = eventsOf(trail, 'rotation.replaced');
    const made = stack.ibm.apiKey(replaced!.replacementId)!;
    expect(made).toMatchObject({ iam_id: serviceIdIamId, name: replacementName(id, code), disabled: false });
    expect(stack.ibm.valueStored(made.id)).toBe(true);
    // Asked for, but nothing said Switched: the old key keeps working.
    expect(stack.ibm.apiKey(old)!.disabled).toBe(false);
    await stack.slack.waitFor(() => checklist().includes(`replacement *${replacementName(id, code)}*`) && checklist().includes('Switched: '), {
      timeoutMs: 15_000,
    });
    expect(checklist()).toContain(`at <@${PEOPLE.taylor}>'s request`);
    expect(checklist()).toContain('collect it in the console');
    await stack.slack.waitFor(
      () => stack.slack.messages(PEOPLE.taylor).some((m) => m.text.includes(replaced!.replacementId) && m.text.includes('collect it in the console')),
      { timeoutMs: 15_000 },
    );

    await player.rotation(PEOPLE.taylor, 'rotationSwitched', id, code);
    trail = await trailWith(stack, id, (t) => eventsOf(t, 'rotation.retired').length > 0, 'the old key disabled');
    expect(eventsOf(trail, 'rotation.switched')).toEqual([expect.objectContaining({ itemId: old, actor: PEOPLE.taylor, attempt: 1 })]);
    expect(eventsOf(trail, 'rotation.held')).toEqual([]);
    expect(stack.ibm.apiKey(old)!.disabled).toBe(true);
    expect(stack.ibm.apiKey(replaced!.replacementId)!.disabled).toBe(false);
    await stack.slack.waitFor(() => checklist().includes('rotated by the bot') && checklist().includes('confirmed by read-back'), { timeoutMs: 15_000 });
    expect(checklist()).toContain('2 of 3 credential(s) still to rotate');
    // Closed after the round's pack: a new pack lists it rotated by the bot, read back.
    const again = await stack.slack.waitFor(() => stack.slack.files.find((f) => f.filename === `offboarding-evidence-${id}-rev2.json`), { timeoutMs: 20_000 });
    const { rotation_tasks: listed } = JSON.parse(Buffer.from(again.bytes).toString('utf8')) as EvidencePack;
    expect(listed?.find((t) => t.id === old)).toMatchObject({
      state: 'rotated_by_bot',
      closed_by: PEOPLE.taylor,
      assurance: 'read_back',
      replacement_id: replaced!.replacementId,
    });
    // Disabled, not deleted, until the delete phase.
    expect(stack.ibm.apiKey(old)).toBeDefined();
    expect(eventsOf(trail, 'rotation.deleted')).toEqual([]);

    // Once the disable round has moved the request on (the checklist offers to end the grace period).
    await stack.slack.waitFor(() => checklist().includes(ACTIONS.endGrace), { timeoutMs: 20_000 });
    await player.checklistButton(PEOPLE.riley, 'endGrace', id);
    trail = await finishedTrail(stack, id, { rounds: 2 });
    expect(eventsOf(trail, 'rotation.deleted')).toEqual([expect.objectContaining({ itemId: old })]);
    expect(stack.ibm.apiKey(old)).toBeUndefined();
    expect(stack.ibm.apiKey(replaced!.replacementId)).toMatchObject({ disabled: false });

    await player.evidence(id, 20_000, 2);
    const pack = Buffer.from(stack.slack.files.find((f) => f.filename.endsWith(`${id}-round2.json`))!.bytes).toString('utf8');
    const { rotations } = JSON.parse(pack) as { rotations: { type: string }[] };
    expect(rotations.map((r) => r.type)).toEqual(['rotation.requested', 'rotation.replaced', 'rotation.switched', 'rotation.retired', 'rotation.deleted']);

    // The PDF states each stage, with what was read back.
    const pdf = stack.slack.files.find((f) => f.filename.endsWith(`${id}-round2.pdf`))!;
    const pdfText = (await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true })).text.replace(/\s+/g, ' ');
    expect(pdfText).toContain(`replacement ${replacementName(id, code)} (${replaced!.replacementId}) made by the bot`);
    expect(pdfText).toContain('the bot rotated only the 1 credential below');
    expect(pdfText).toMatch(/the old one disabled at \S+, confirmed by read-back; deleted at the delete phase at \S+, confirmed by read-back/);

    const secrets = stack.ibm.issuedSecrets();
    expect(secrets).toHaveLength(1);
    for (const [where, text] of [
      ['Slack calls', JSON.stringify(stack.slack.calls)],
      ['logs', lines.join('\n')],
      ['trail', JSON.stringify(await readTrail(stack, id))],
      ['pack', pack],
      ['PDF', pdfText],
    ] as const) {
      for (const secret of secrets) expect(text.includes(secret), `${where} holds the secret`).toBe(false);
    }
  });

  it('a service credential gets one on the same instance and role; when the old one signed in after the replacement was made, the successor is told and nothing is disabled', async () => {
    const { stack, player, id, codeOf, checklist } = await handedOver();
    const code = codeOf(SIM_NHI_IDS.janeResourceKey);
    await player.rotation(PEOPLE.alex, 'rotateForMe', id, code);
    const trail = await trailWith(stack, id, (t) => eventsOf(t, 'rotation.replaced').length > 0, 'the replacement');
    const [replaced] = eventsOf(trail, 'rotation.replaced');
    const made = stack.ibm.resourceKey(replaced!.replacementId)!;
    const old = stack.ibm.resourceKey(SIM_NHI_IDS.janeResourceKey)!;
    expect(made.source_crn).toBe(SIM_NHI_IDS.janeInstance);
    expect(made.credentials.iam_role_crn).toBe(old.credentials.iam_role_crn);
    expect(made.name).toBe(replacementName(id, code));

    // Something still signs in with the old credential after the replacement exists.
    stack.ibm.useApiKey(SIM_NHI_IDS.mintedKey, new Date(Date.parse(replaced!.replacementCreatedAt) + 1000));
    await stack.slack.waitFor(() => checklist().includes('Switched: '), { timeoutMs: 15_000 });
    await player.rotation(PEOPLE.taylor, 'rotationSwitched', id, code);
    const held = await trailWith(stack, id, (t) => eventsOf(t, 'rotation.held').length > 0, 'the hold');
    expect(eventsOf(held, 'rotation.retired')).toEqual([]);
    expect(stack.ibm.apiKey(SIM_NHI_IDS.mintedKey)!.disabled).toBe(false);
    await stack.slack.waitFor(() => stack.slack.messages(PEOPLE.taylor).some((m) => m.text.includes('so I disabled nothing')), { timeoutMs: 15_000 });
    await stack.slack.waitFor(() => checklist().includes('nothing was disabled') && checklist().includes('Switched: '), { timeoutMs: 15_000 });
    expect(checklist()).toContain('3 of 3 credential(s) still to rotate');
  });

  it('a click by someone not the successor nor an approver, or by the person leaving, is refused and nothing is made', async () => {
    const { stack, player, id, codeOf, checklist } = await handedOver();
    const code = codeOf(SIM_NHI_IDS.ciPipelineKey);
    const keysBefore = stack.ibm.apiKeysOf(stack.ibm.apiKey(SIM_NHI_IDS.ciPipelineKey)!.account_id, stack.ibm.apiKey(SIM_NHI_IDS.ciPipelineKey)!.iam_id).length;
    await player.rotation(PEOPLE.chris, 'rotateForMe', id, code);
    expect(ephemeralsFor(stack, PEOPLE.chris).at(-1)?.text).toContain(`Only <@${PEOPLE.taylor}>, who took over what they created, or an offboarding approver`);
    await player.rotation(PEOPLE.jane, 'rotateForMe', id, code);
    expect(ephemeralsFor(stack, PEOPLE.jane).at(-1)?.text).toContain('your own offboarding');
    // Switched before anything was made records nothing either.
    await player.rotation(PEOPLE.taylor, 'rotationSwitched', id, code);
    expect(ephemeralsFor(stack, PEOPLE.taylor).at(-1)?.text).toContain('No replacement');

    const trail = await readTrail(stack, id);
    expect(trail.filter((e) => e.type.startsWith('rotation.'))).toEqual([]);
    expect(stack.ibm.issuedSecrets()).toEqual([]);
    expect(stack.ibm.apiKeysOf(stack.ibm.apiKey(SIM_NHI_IDS.ciPipelineKey)!.account_id, stack.ibm.apiKey(SIM_NHI_IDS.ciPipelineKey)!.iam_id)).toHaveLength(
      keysBefore,
    );
    expect(stack.ibm.apiKey(SIM_NHI_IDS.ciPipelineKey)!.disabled).toBe(false);
    expect(checklist()).toContain('3 of 3 credential(s) still to rotate');
  });

  it('two clicks at once, on two instances of the bot, make one replacement', async () => {
    const { stack, player, id, codeOf } = await handedOver();
    const code = codeOf(SIM_NHI_IDS.logShipperJaneKey);
    // A second instance of the bot on the same Redis, as a second replica serves Slack's other requests.
    const other = await startOffboardBot(stack.config, { logger: createLogger('silent') });
    try {
      const events = new SlackEventsClient({ url: `http://127.0.0.1:${other.port}${EVENTS_PATH}`, signingSecret: SIM_SIGNING_SECRET, simulator: stack.slack });
      const otherPlayer = new SlackPlayer({ ...stack, bot: other, events });
      await Promise.all([player.rotation(PEOPLE.taylor, 'rotateForMe', id, code), otherPlayer.rotation(PEOPLE.alex, 'rotateForMe', id, code)]);
    } finally {
      await other.stop();
    }
    const trail = await trailWith(stack, id, (t) => eventsOf(t, 'rotation.replaced').length > 0, 'the replacement');
    expect(eventsOf(trail, 'rotation.requested')).toHaveLength(1);
    const key = stack.ibm.apiKey(SIM_NHI_IDS.logShipperJaneKey)!;
    expect(stack.ibm.apiKeysOf(key.account_id, key.iam_id).filter((k) => k.name === replacementName(id, code))).toHaveLength(1);
    expect(stack.ibm.issuedSecrets()).toHaveLength(1);
    // Rotated myself is refused while the bot rotates it.
    await player.rotation(PEOPLE.taylor, 'rotatedMyself', id, code);
    expect(ephemeralsFor(stack, PEOPLE.taylor).at(-1)?.text).toContain('asked the bot to rotate');
    expect(eventsOf(await readTrail(stack, id), 'rotation.closed')).toEqual([]);
  });

  it('a Rotate for me recorded but never queued (the process died between the two) is queued again by the reconciler, and the replacement made', async () => {
    const { stack, id, tasks, checklist } = await handedOver({ env: { OFFBOARD_RECONCILE_INTERVAL_MS: '300' } });
    await stack.slack.waitFor(() => checklist().includes(ACTIONS.endGrace), { timeoutMs: 20_000 });
    const task = tasks.find((t) => t.id === SIM_NHI_IDS.ciPipelineKey)!;
    const redis = new Redis(stack.config.redisUrl);
    try {
      // What the click wrote before its process died: the record, and no job.
      await new AuditTrail(redis, new Keys(stack.config.redisPrefix)).append(id, {
        type: 'rotation.requested',
        stepId: task.stepId,
        itemId: task.id,
        actor: PEOPLE.taylor,
      });
    } finally {
      redis.disconnect();
    }
    const trail = await trailWith(stack, id, (t) => eventsOf(t, 'rotation.replaced').length > 0, 'the replacement');
    expect(eventsOf(trail, 'run.reconciled').map((e) => e.action)).toEqual(['rotation-requeued']);
    expect(stack.ibm.apiKey(eventsOf(trail, 'rotation.replaced')[0]!.replacementId)).toMatchObject({ name: replacementName(id, task.code) });
    expect(stack.ibm.apiKey(SIM_NHI_IDS.ciPipelineKey)!.disabled).toBe(false);
  });

  it('a replacement whose answer was lost is found again by its name on the retry, not made twice', async () => {
    const { stack, player, id, codeOf } = await handedOver();
    const code = codeOf(SIM_NHI_IDS.ciPipelineKey);
    stack.ibm.inject({ method: 'POST', path: '/v1/apikeys', status: 500, times: 1, afterApply: true });
    await player.rotation(PEOPLE.taylor, 'rotateForMe', id, code);
    const trail = await trailWith(stack, id, (t) => eventsOf(t, 'rotation.replaced').length > 0, 'the replacement');
    const key = stack.ibm.apiKey(SIM_NHI_IDS.ciPipelineKey)!;
    const named = stack.ibm.apiKeysOf(key.account_id, key.iam_id).filter((k) => k.name === replacementName(id, code));
    expect(named.map((k) => k.id)).toEqual([eventsOf(trail, 'rotation.replaced')[0]!.replacementId]);
    expect(stack.ibm.issuedSecrets()).toHaveLength(1);
  });

  it('when IBM Cloud refuses to make the replacement, the task says why and offers Rotate for me again; nothing is made or disabled', async () => {
    const { stack, player, id, codeOf, checklist } = await handedOver();
    const code = codeOf(SIM_NHI_IDS.ciPipelineKey);
    stack.ibm.inject({ method: 'POST', path: '/v1/apikeys', status: 403 });
    await player.rotation(PEOPLE.taylor, 'rotateForMe', id, code);
    const trail = await trailWith(stack, id, (t) => eventsOf(t, 'rotation.failed').length > 0, 'the failure');
    expect(eventsOf(trail, 'rotation.failed')).toEqual([expect.objectContaining({ itemId: SIM_NHI_IDS.ciPipelineKey, work: 'replace' })]);
    expect(eventsOf(trail, 'rotation.replaced')).toEqual([]);
    expect(stack.ibm.issuedSecrets()).toEqual([]);
    expect(stack.ibm.apiKey(SIM_NHI_IDS.ciPipelineKey)!.disabled).toBe(false);
    await stack.slack.waitFor(() => checklist().includes('Rotate for me (at') && checklist().includes('stopped:'), { timeoutMs: 15_000 });
    expect(checklist()).toContain(`"action_id":"${ACTIONS.rotateForMe}"`);
    expect(checklist()).not.toContain(ACTIONS.rotationSwitched);

    // Once the cause is fixed, asking again makes it.
    stack.ibm.clearFaults();
    await player.rotation(PEOPLE.taylor, 'rotateForMe', id, code);
    await trailWith(stack, id, (t) => eventsOf(t, 'rotation.replaced').length > 0, 'the replacement');
    expect(stack.ibm.issuedSecrets()).toHaveLength(1);
  });

  it('Switched after the deletion has run disables the old credential and deletes it at once, each read back', async () => {
    const { stack, player, id, codeOf, checklist } = await handedOver();
    const code = codeOf(SIM_NHI_IDS.janeResourceKey);
    await player.rotation(PEOPLE.taylor, 'rotateForMe', id, code);
    await trailWith(stack, id, (t) => eventsOf(t, 'rotation.replaced').length > 0, 'the replacement');
    await stack.slack.waitFor(() => checklist().includes(ACTIONS.endGrace), { timeoutMs: 20_000 });
    await player.checklistButton(PEOPLE.riley, 'endGrace', id);
    await finishedTrail(stack, id, { rounds: 2 });
    // Not switched yet: the deletion left the old credential working.
    expect(stack.ibm.resourceKey(SIM_NHI_IDS.janeResourceKey)).toBeDefined();

    await player.rotation(PEOPLE.taylor, 'rotationSwitched', id, code);
    const trail = await trailWith(stack, id, (t) => eventsOf(t, 'rotation.deleted').length > 0, 'the deletion');
    expect(eventsOf(trail, 'rotation.retired')).toHaveLength(1);
    expect(stack.ibm.resourceKey(SIM_NHI_IDS.janeResourceKey)).toBeUndefined();
    expect(stack.ibm.apiKey(SIM_NHI_IDS.mintedKey)).toBeUndefined();
  });
});

describe('the evidence keeps up with rotation tasks closed after the round', () => {
  /** The pack JSON Slack holds under this file name, parsed, with its bytes. */
  const packFile = (stack: LocalStack, name: string) => {
    const file = stack.slack.files.find((f) => f.filename === name);
    return file ? { bytes: new Uint8Array(file.bytes), pack: JSON.parse(Buffer.from(file.bytes).toString('utf8')) as EvidencePack } : undefined;
  };
  const first = (id: string) => `offboarding-evidence-${id}.json`;
  const revision = (id: string, n: number) => `offboarding-evidence-${id}-rev${n}.json`;
  const stateOf = (pack: EvidencePack, itemId: string) => pack.rotation_tasks?.find((t) => t.id === itemId);

  /** Jane handed over, her first round's pack stored and sent to compliance (Dana). */
  async function packStored() {
    const started = await handedOver({ env: { OFFBOARD_COMPLIANCE: PEOPLE.dana } });
    const { stack, id } = started;
    const stored = await stack.slack.waitFor(() => packFile(stack, first(id)), { timeoutMs: 20_000 });
    return { ...started, stored };
  }

  /** The runs queue as the bot's workers see it: where a closing's new pack is asked for. */
  const runsQueue = (stack: LocalStack) =>
    new Queue(QUEUES.runs, { connection: new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null }), prefix: stack.config.redisPrefix });

  it("an open task is listed open in the round's pack, and neither the pack's outcome nor the checklist says all is done", async () => {
    const { stored, checklist } = await packStored();
    expect(stored.pack.schema_version).toBe('1.7');
    expect(stored.pack.rotation_tasks?.map((t) => [t.id, t.state, t.closed_by]).sort()).toEqual(
      [
        [SIM_NHI_IDS.ciPipelineKey, 'open', null],
        [SIM_NHI_IDS.janeResourceKey, 'open', null],
        [SIM_NHI_IDS.logShipperJaneKey, 'open', null],
      ].sort(),
    );
    expect(stored.pack.outcome.text).toMatch(/; 3 rotation task\(s\) still open$/);
    expect(checklist()).toContain('3 rotation task(s) still open (listed below).');
    expect(verifyPackFile(stored.bytes, { allowUnsigned: true })).toMatchObject({ code: 0 });
    // A pack exported as 1.5, before tasks were listed, still rebuilds whole from the same trail.
    const { chain, generator, round, request_id: requestId } = stored.pack;
    const old = buildEvidencePack({ requestId, round, entries: chain.entries, generator, checked: chain.checked, schemaVersion: '1.5' });
    expect(old.rotation_tasks).toBeUndefined();
    expect(old.outcome.text).not.toContain('still open');
    expect(verifyPackFile(Buffer.from(canonicalJson(old)), { allowUnsigned: true })).toMatchObject({ code: 0 });
  });

  it("a task closed after the round's pack makes a new pack from the whole trail, listing it closed by that person, which verifies and reaches compliance saying it supersedes the earlier one", async () => {
    const { stack, player, id, codeOf, stored, checklist } = await packStored();
    await stack.slack.waitFor(
      () => stack.slack.files.some((f) => f.filename === first(id) && stack.slack.messages(PEOPLE.dana).some((m) => m.files?.includes(f.id))),
      {
        timeoutMs: 20_000,
      },
    );
    await player.rotation(PEOPLE.taylor, 'rotatedMyself', id, codeOf(SIM_NHI_IDS.janeResourceKey));

    const again = await stack.slack.waitFor(() => packFile(stack, revision(id, 2)), { timeoutMs: 20_000 });
    expect(stateOf(again.pack, SIM_NHI_IDS.janeResourceKey)).toMatchObject({ state: 'rotated_myself', closed_by: PEOPLE.taylor, assurance: 'attested' });
    expect(Date.parse(stateOf(again.pack, SIM_NHI_IDS.janeResourceKey)!.closed_at!)).not.toBeNaN();
    expect(stateOf(again.pack, SIM_NHI_IDS.ciPipelineKey)).toMatchObject({ state: 'open', closed_by: null });
    expect(again.pack.outcome.text).toMatch(/; 2 rotation task\(s\) still open$/);
    expect(again.pack.round).toBe(1);
    // The whole trail: everything the first pack covered, and the closing after it.
    expect(again.pack.chain.entries.slice(0, stored.pack.chain.length)).toEqual(stored.pack.chain.entries);
    expect(verifyPackFile(again.bytes, { allowUnsigned: true })).toMatchObject({ code: 0 });

    const reports = eventsOf(await readTrail(stack, id), 'report.published');
    expect(reports).toEqual([
      expect.not.objectContaining({ revision: expect.anything() }),
      expect.objectContaining({ round: 1, revision: 2, supersedes: reports[0]!.sha256 }),
    ]);
    // Where the first went: compliance's direct message, saying why it supersedes the first.
    const told = await stack.slack.waitFor(
      () => stack.slack.messages(PEOPLE.dana).find((m) => m.files?.some((f) => stack.slack.files.find((x) => x.id === f)?.filename === revision(id, 2))),
      { timeoutMs: 20_000 },
    );
    expect(told.text).toContain(`supersedes the earlier pack (JSON SHA-256 ${reports[0]!.sha256})`);
    expect(told.text).toContain('rotation tasks were closed');
    await stack.slack.waitFor(() => checklist().includes(`offboarding-evidence-${id}-rev2.pdf`), { timeoutMs: 15_000 });
    expect(checklist()).toContain('2 rotation task(s) still open');

    // The PDF says what it supersedes and lists every task with where it stands.
    const pdf = stack.slack.files.find((f) => f.filename === `offboarding-evidence-${id}-rev2.pdf`)!;
    const pdfText = (await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true })).text.replace(/\s+/g, ' ');
    expect(pdfText).toContain(`JSON SHA-256 ${reports[0]!.sha256}): made again from the whole trail because rotation tasks were closed after it`);
    expect(pdfText).toContain('3 credentials the person made or has seen, to be rotated: 2 still open');
    expect(pdfText).toMatch(new RegExp(`\\(${SIM_NHI_IDS.janeResourceKey}\\), [^:]+: rotated, attested by [^(]*\\(${PEOPLE.taylor}\\)`));
  });

  it('two quick closings make at most two new packs, the last listing both; never one missing the later closing', async () => {
    const { stack, player, id, codeOf } = await packStored();
    await player.rotation(PEOPLE.taylor, 'rotatedMyself', id, codeOf(SIM_NHI_IDS.janeResourceKey));
    await player.rotation(PEOPLE.alex, 'rotatedMyself', id, codeOf(SIM_NHI_IDS.logShipperJaneKey));
    const queue = runsQueue(stack);
    try {
      // Each closing's job has run to its end (made a pack, or found one covering it).
      await eventually(
        async () => {
          const jobs = await Promise.all([1, 2].map((n) => queue.getJob(`${id}.evidence.rotation.${n}`)));
          return (await Promise.all(jobs.map((j) => j?.isCompleted() ?? false))).every(Boolean);
        },
        20_000,
        "both closings' jobs done",
      );
    } finally {
      await queue.close();
    }
    const reports = eventsOf(await readTrail(stack, id), 'report.published');
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports.length).toBeLessThanOrEqual(3);
    // Each pack made again is a new one: none twice, however the two jobs met.
    expect(reports.map((r) => r.revision ?? 1)).toEqual(reports.map((_, i) => i + 1));
    expect(new Set(reports.map((r) => r.sha256)).size).toBe(reports.length);
    const last = await stack.slack.waitFor(() => packFile(stack, revision(id, reports.length)), { timeoutMs: 15_000 });
    expect(stateOf(last.pack, SIM_NHI_IDS.janeResourceKey)).toMatchObject({ state: 'rotated_myself', closed_by: PEOPLE.taylor });
    expect(stateOf(last.pack, SIM_NHI_IDS.logShipperJaneKey)).toMatchObject({ state: 'rotated_myself', closed_by: PEOPLE.alex });
    expect(last.pack.outcome.text).toMatch(/; 1 rotation task\(s\) still open$/);
  });

  it('a closing recorded but whose new pack was never asked for (the process died between the two) gets it at the next rotation reminder', async () => {
    const { stack, id, tasks } = await handedOver({ env: { OFFBOARD_ROTATION_REMIND_AFTER: '2s' } });
    await stack.slack.waitFor(() => packFile(stack, first(id)), { timeoutMs: 20_000 });
    const task = tasks.find((t) => t.id === SIM_NHI_IDS.janeResourceKey)!;
    const redis = new Redis(stack.config.redisUrl);
    try {
      // What the click wrote before its process died: the closing, and no job.
      await new AuditTrail(redis, new Keys(stack.config.redisPrefix)).append(id, {
        type: 'rotation.closed',
        stepId: task.stepId,
        itemId: task.id,
        actor: PEOPLE.taylor,
        outcome: 'rotated_myself',
      });
    } finally {
      redis.disconnect();
    }
    const again = await stack.slack.waitFor(() => packFile(stack, revision(id, 2)), { timeoutMs: 20_000 });
    expect(stateOf(again.pack, SIM_NHI_IDS.janeResourceKey)).toMatchObject({ state: 'rotated_myself', closed_by: PEOPLE.taylor });
    expect(eventsOf(await readTrail(stack, id), 'rotation.reminded').length).toBeGreaterThan(0);
  });

  it('a refused click asks for no new pack, and none is made', async () => {
    const { stack, player, id, codeOf } = await packStored();
    await player.rotation(PEOPLE.chris, 'rotatedMyself', id, codeOf(SIM_NHI_IDS.janeResourceKey));
    await player.rotation(PEOPLE.jane, 'rotatedMyself', id, codeOf(SIM_NHI_IDS.janeResourceKey));
    expect(ephemeralsFor(stack, PEOPLE.chris).at(-1)?.text).toContain('so nothing was recorded');
    const queue = runsQueue(stack);
    try {
      expect(await queue.getJob(`${id}.evidence.rotation.1`)).toBeUndefined();
    } finally {
      await queue.close();
    }
    expect(eventsOf(await readTrail(stack, id), 'report.published')).toHaveLength(1);
    expect(stack.slack.files.filter((f) => f.filename.includes('-rev'))).toEqual([]);
  });
});
