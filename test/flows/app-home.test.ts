import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { crowdSlackUsers } from '../../app/demo/crowd.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { Keys } from '../../src/redis.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { eventsOf, eventually, readTrail, rejectModalsFor, submitRejectModal } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

/** Opens App Home as `userId` and returns the text of the tab published for them. */
async function openHome(stack: LocalStack, userId: string): Promise<string> {
  const before = stack.slack.views.filter((v) => v.kind === 'publish' && v.userId === userId).length;
  const res = await stack.events.event({ type: 'app_home_opened', user: userId, channel: 'D0HOME0001', tab: 'home' });
  expect(res.status).toBe(200);
  const published = await stack.slack.waitFor(() => stack.slack.views.filter((v) => v.kind === 'publish' && v.userId === userId)[before]);
  return JSON.stringify(published.view);
}

describe('the App Home tab', () => {
  it('explains /offboard and lists an approver the requests waiting for approval, newest first', async () => {
    const { stack, player } = await start();
    const first = await player.request(PEOPLE.morgan, { person: PEOPLE.chris, reason: 'contract_end', successor: PEOPLE.taylor, ticket: 'HR-1' });
    const second = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-2' });

    const text = await openHome(stack, PEOPLE.riley);

    expect(text).toContain('/offboard');
    expect(text).toContain('Waiting for your decision');
    expect(text.indexOf(second)).toBeGreaterThan(-1);
    expect(text.indexOf(second)).toBeLessThan(text.indexOf(first));
    expect(text).toContain('waiting for approval');
  });

  it('shows a member who is no approver only the requests they made', async () => {
    const { stack, player } = await start();
    const morgans = await player.request(
      PEOPLE.morgan,
      { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-1' },
      { awaitPreview: false },
    );
    const chriss = await player.request(
      PEOPLE.chris,
      { person: PEOPLE.pat, reason: 'role_change', successor: PEOPLE.taylor, ticket: 'HR-2' },
      { awaitPreview: false },
    );

    const text = await openHome(stack, PEOPLE.chris);

    expect(text).toContain('Your requests');
    expect(text).toContain(chriss);
    expect(text).not.toContain(morgans);
    expect(text).not.toContain('Waiting for your decision');
    expect(text).not.toContain('Latest runs');
  });

  it('never shows anyone the offboarding of themselves, and shows an approver with a request about them nothing that waits on approvers', async () => {
    const { stack, player } = await start();
    // Riley, an approver, is leaving: offboarding an approver takes two approvers, but she still never sees her own.
    const rileys = await player.request(
      PEOPLE.morgan,
      { person: PEOPLE.riley, reason: 'termination', successor: PEOPLE.taylor, ticket: 'HR-1' },
      { awaitPreview: false },
    );
    const pats = await player.request(
      PEOPLE.chris,
      { person: PEOPLE.pat, reason: 'role_change', successor: PEOPLE.taylor, ticket: 'HR-2' },
      { awaitPreview: false },
    );

    const rileySees = await openHome(stack, PEOPLE.riley);
    const taylorSees = await openHome(stack, PEOPLE.taylor);

    // Being offboarded, she keeps no approver's view either: not Pat's request, nothing to decide, and no word of why.
    expect(rileySees).not.toContain(pats);
    expect(rileySees).not.toContain('Waiting for your decision');
    expect(rileySees).not.toContain(rileys);
    expect(rileySees).not.toContain('HR-1');
    expect(rileySees).toContain('/offboard');
    // Taylor takes over both people's resources but neither requested nor approves: sees neither.
    expect(taylorSees).not.toContain(rileys);
    expect(taylorSees).not.toContain(pats);

    // Once the request about her is rejected, she is an approver again.
    await player.click(PEOPLE.alex, 'reject', rileys);
    await submitRejectModal(stack, PEOPLE.alex, rejectModalsFor(stack, PEOPLE.alex)[0]!.id, 'Not leaving after all');
    await eventually(async () => eventsOf(await readTrail(stack, rileys), 'request.rejected').length > 0, 5_000, 'the request about Riley rejected');
    expect(await openHome(stack, PEOPLE.riley)).toContain(pats);
  });

  it('shows an approver only the requests they made when whether a request about them is open cannot be checked', async () => {
    const { stack, player } = await start();
    const pats = await player.request(
      PEOPLE.chris,
      { person: PEOPLE.pat, reason: 'role_change', successor: PEOPLE.taylor, ticket: 'HR-2' },
      { awaitPreview: false },
    );
    expect(await openHome(stack, PEOPLE.riley)).toContain(pats);

    // Riley's index of requests about her holds what no request index holds: every check of it fails in Redis.
    const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
    try {
      await redis.set(new Keys(stack.config.redisPrefix).subjectIndex(PEOPLE.riley), 'not an index');
      const rileySees = await openHome(stack, PEOPLE.riley);
      expect(rileySees).toContain('/offboard');
      expect(rileySees).not.toContain(pats);
      expect(rileySees).not.toContain('Waiting for your decision');
      // Alex, whose own check still works, is an approver as before.
      expect(await openHome(stack, PEOPLE.alex)).toContain(pats);
    } finally {
      redis.disconnect();
    }
  });

  it('is not published when the Messages tab is opened', async () => {
    const { stack } = await start();
    await stack.events.event({ type: 'app_home_opened', user: PEOPLE.riley, channel: 'D0RILEY01', tab: 'messages' });
    await stack.bot.settled();
    expect(stack.slack.views.filter((v) => v.kind === 'publish')).toHaveLength(0);
  });

  it('is not published for an event whose user is no Slack user id', async () => {
    const { stack } = await start();
    const res = await stack.events.event({ type: 'app_home_opened', user: '__proto__', channel: 'D0RILEY01', tab: 'home' });
    expect(res.status).toBe(200);
    await stack.bot.settled();
    expect(stack.slack.callsTo('views.publish')).toEqual([]);
    expect(stack.slack.callsTo('usergroups.users.list')).toEqual([]);
  });

  it('puts what waits on an approver before the requests they made, and leaves out what they requested from what waits on them', async () => {
    const { stack, player } = await start();
    const janes = await player.request(
      PEOPLE.morgan,
      { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-1' },
      { awaitPreview: false },
    );
    const pats = await player.request(
      PEOPLE.chris,
      { person: PEOPLE.pat, reason: 'role_change', successor: PEOPLE.taylor, ticket: 'HR-2' },
      { awaitPreview: false },
    );

    const text = await openHome(stack, PEOPLE.morgan);

    const waiting = text.indexOf('Waiting for your decision');
    const mine = text.indexOf('Your requests');
    expect(waiting).toBeGreaterThan(-1);
    expect(waiting).toBeLessThan(mine);
    expect(text.indexOf(pats)).toBeGreaterThan(waiting);
    expect(text.indexOf(pats)).toBeLessThan(mine);
    expect(text.indexOf(janes)).toBeGreaterThan(mine);
    expect(text.indexOf(janes, text.indexOf(janes) + 1)).toBe(-1);
  });

  it('shows compliance the latest runs with Download evidence, which sends them the pack; someone with no role sees no runs', async () => {
    const { stack, player } = await start({ env: { OFFBOARD_COMPLIANCE: PEOPLE.taylor, OFFBOARD_EVIDENCE_IN_THREAD: 'false' } });
    const id = await player.request(PEOPLE.morgan, {
      person: PEOPLE.jane,
      reason: 'resignation',
      successor: PEOPLE.chris,
      ticket: 'HR-1',
      disposition: 'delete_now',
    });
    await player.click(PEOPLE.alex, 'approve', id);
    await player.evidence(id);
    const packsTo = (user: string) => stack.slack.messages(user).flatMap((m) => m.files ?? []).length;
    await stack.slack.waitFor(() => packsTo(PEOPLE.taylor) === 2 || undefined, { timeoutMs: 20_000 });

    const taylorSees = await openHome(stack, PEOPLE.taylor);
    const chrisSees = await openHome(stack, PEOPLE.chris);

    expect(taylorSees).toContain('Latest runs');
    expect(taylorSees).toContain(id);
    expect(taylorSees).toContain('Download evidence');
    expect(chrisSees).not.toContain('Latest runs');
    expect(chrisSees).not.toContain(id);
    expect(chrisSees).not.toContain('Download evidence');

    const home = stack.slack.views.filter((v) => v.kind === 'publish' && v.userId === PEOPLE.taylor).at(-1)!;
    // A click on the Home tab, as Slack sends it: from the view, with no channel.
    await stack.events.blockAction({ userId: PEOPLE.taylor, actionId: ACTIONS.downloadEvidence, value: id, view: { ...home.view, id: home.id } });
    await stack.events.blockAction({ userId: PEOPLE.chris, actionId: ACTIONS.downloadEvidence, value: id, view: { ...home.view, id: home.id } });
    await stack.bot.settled();
    await stack.slack.waitFor(() => packsTo(PEOPLE.taylor) === 4 || undefined, { timeoutMs: 20_000 });
    expect(packsTo(PEOPLE.chris)).toBe(0);
    // Told why in the app's direct message, since the Home tab shows no messages; nothing is sent to the channel.
    // (Beside the message listing what Jane created, handed over to Chris as her successor.)
    const told = stack.slack.messages(PEOPLE.chris).filter((m) => m.metadata?.event_type !== 'offboard_handover');
    expect(told.map((m) => m.text)).toEqual([expect.stringContaining('approvers')]);
    expect(stack.slack.messages(PEOPLE.taylor).some((m) => m.text.includes('on its way to you by direct message'))).toBe(true);
  });

  it('counts what does not fit a list and says how to list it all', async () => {
    const { stack, player } = await start({ extraSlackUsers: crowdSlackUsers(27) });
    for (const u of crowdSlackUsers(27)) {
      await player.request(PEOPLE.chris, { person: u.id, reason: 'contract_end', successor: PEOPLE.taylor, ticket: `HR-${u.name}` }, { awaitPreview: false });
    }

    const riley = await openHome(stack, PEOPLE.riley);

    expect(riley).toContain('*Waiting for your decision* (27, the newest 25 shown)');
    expect(riley).toContain('…and 2 more. Type `/offboard list` to see them all');
    expect(stack.slack.callsTo('views.publish').every((c) => c.ok)).toBe(true);
  });
});
