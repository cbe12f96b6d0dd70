import { describe, expect, it } from 'vitest';
import { PEOPLE, APPROVAL_CHANNEL } from '../../app/demo/workspace.js';
import { SlackPayloads } from '../../src/simulators/slack/slack-payloads.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { ephemeralsFor, eventsOf, queueSnapshot, readTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

const CLICKS = 1_000;
const AT_ONCE = 25;

describe('a flood of refused clicks', () => {
  it(`${CLICKS} replays of one refused Approve click grow the trail by a few entries that carry the count`, async () => {
    const { stack, player } = await start();
    // With the read-only preview in, nothing but the clicks below writes to the trail.
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.chris, ticket: 'HR-1' });
    const message = player.approvalMessage(id)!;
    const before = (await readTrail(stack, id)).length;
    // Taylor is no approver: byte-identical replays of one signed click.
    const payload = new SlackPayloads({ simulator: stack.slack }).blockAction({
      userId: PEOPLE.taylor,
      actionId: ACTIONS.approve,
      blockId: `decide.${id}`,
      value: id,
      channel: APPROVAL_CHANNEL,
      messageTs: message.ts,
    });
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

    const statuses: number[] = [];
    for (let sent = 0; sent < CLICKS; sent += AT_ONCE) {
      const answers = await Promise.all(Array.from({ length: Math.min(AT_ONCE, CLICKS - sent) }, () => stack.events.post(body)));
      statuses.push(...answers.map((a) => a.status));
    }

    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    await stack.bot.settled();
    const trail = await readTrail(stack, id);
    const refusals = eventsOf(trail, 'approval.refused');
    // The first refusal, then the running count at 10, 100 and 1000.
    expect(trail.length - before).toBe(4);
    expect(refusals.map((r) => r.repeats)).toEqual([undefined, 10, 100, 1000]);
    for (const r of refusals)
      expect(r).toMatchObject({ actor: PEOPLE.taylor, action: 'approve', reason: 'Only offboarding approvers can decide on offboarding requests.' });
    // Every click was still told why, and none decided anything.
    expect(ephemeralsFor(stack, PEOPLE.taylor)).toHaveLength(CLICKS);
    expect(eventsOf(trail, 'request.approved')).toEqual([]);
    expect((await queueSnapshot(stack)).total).toBe(0);
  }, 120_000);

  it('a refusal by someone else, or of another action, is recorded on its own', async () => {
    const { stack, player } = await start();
    const id = await player.request(
      PEOPLE.morgan,
      { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.chris, ticket: 'HR-1' },
      { awaitPreview: false },
    );

    await player.click(PEOPLE.taylor, 'approve', id);
    await player.click(PEOPLE.taylor, 'approve', id);
    await player.click(PEOPLE.taylor, 'reject', id);
    await player.click(PEOPLE.chris, 'approve', id);

    const refusals = eventsOf(await readTrail(stack, id), 'approval.refused');
    expect(refusals.map((r) => [r.actor, r.action, r.repeats])).toEqual([
      [PEOPLE.taylor, 'approve', undefined],
      [PEOPLE.taylor, 'reject', undefined],
      [PEOPLE.chris, 'approve', undefined],
    ]);
    expect(ephemeralsFor(stack, PEOPLE.taylor)).toHaveLength(3);
  });
});
