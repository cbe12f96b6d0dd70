import { describe, expect, it } from 'vitest';
import type { FormAnswers } from '../../app/demo/request-form-values.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { rotationTasks } from '../../src/runs/handed-over.js';
import { runView } from '../../src/runs/run-view.js';
import { SIM_NHI_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { VIEWS } from '../../src/slack/blocks/ids.js';
import { CHECKLIST_VERIFIED_BUT_ONE, ephemeralsFor, eventsOf, finishedTrail, readTrail } from '../support/approval-helpers.js';
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
async function handedOver() {
  const { stack, player } = await start();
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
