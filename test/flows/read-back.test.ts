import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { runView } from '../../src/runs/run-view.js';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { SlackPlayer } from '../../app/demo/slack-player.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING, SIM_IAM_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { crowdIbmSeed, crowdPerson, crowdSlackUsers } from '../../app/demo/crowd.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { eventsOf, finishedTrail, readTrail, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const janeLeaves = { person: PEOPLE.jane, reason: 'termination' as const, successor: PEOPLE.taylor, ticket: 'HR-RB', disposition: 'delete_now' as const };
/** Each step reads back for this long before it fails as "not confirmed", and is not tried again. */
const briefReadBack = { OFFBOARD_VERIFY_TIMEOUT_MS: '1500', OFFBOARD_JOB_ATTEMPTS: '1' };
const IBM_STEPS = ['api-keys', 'access-groups', 'policies', 'trusted-profiles', 'account-membership'];

/** Jane's request, approved; resolves with its trail once the round has finished. */
async function offboardJane(stack: LocalStack, player: SlackPlayer) {
  const id = await player.request(PEOPLE.morgan, janeLeaves);
  await player.click(PEOPLE.alex, 'approve', id);
  return { id, trail: await finishedTrail(stack, id) };
}

/** Every step that acted failed as not confirmed, none was verified, and neither the round nor the checklist says all is done. */
async function expectNothingActedIsVerified(stack: LocalStack, player: SlackPlayer, id: string, trail: Awaited<ReturnType<typeof finishedTrail>>) {
  // Keeping what the person created (handed over) changes nothing, so there is nothing to confirm.
  const acted = new Set(eventsOf(trail, 'step.acted').flatMap((e) => (e.changes.some((c) => c.outcome !== 'kept') ? [e.stepId] : [])));
  const progress = runView(trail).steps.filter((s) => acted.has(s.id));
  for (const step of progress) {
    expect([step.id, step.state]).toEqual([step.id, 'failed']);
    expect(step.error).toMatch(/^not confirmed/);
  }
  expect(eventsOf(trail, 'step.verified').filter((e) => acted.has(e.stepId))).toEqual([]);
  expect(eventsOf(trail, 'run.finished')[0]!.outcome).toBe('failures');
  const checklist = await stack.slack.waitFor(() => {
    const text = JSON.stringify(player.checklist(id)?.blocks ?? []);
    return text.includes('Retry failed steps') ? text : undefined;
  });
  expect(checklist).not.toContain('every step verified');
  return [...acted].sort();
}

describe('a change that does not stick is never shown as done', () => {
  it('IBM Cloud: while IAM still lists everything removed, each step that removed something fails as not confirmed', async () => {
    const { stack, player } = await start({ ibm: { consistencyDelayMs: 120_000 }, env: briefReadBack });

    const { id, trail } = await offboardJane(stack, player);

    const acted = await expectNothingActedIsVerified(stack, player, id, trail);
    // Every kind of removal, in both accounts, was read back and found not done.
    expect(acted).toEqual([ACME_PRODUCTION, ACME_STAGING].flatMap((a) => IBM_STEPS.map((s) => `ibm-cloud.${a}.${s}`)).sort());
  });

  it('Slack: an account reactivated right after the bot deactivates it fails as not confirmed, naming the account', async () => {
    const { stack, player } = await start({ slackScim: true, ibmCloud: false, env: briefReadBack });
    stack.slack.scim!.pinActive(PEOPLE.jane, true);

    const { id, trail } = await offboardJane(stack, player);

    expect(await expectNothingActedIsVerified(stack, player, id, trail)).toEqual(['slack.workspace.account']);
    expect(stack.slack.scim!.sessionEnds.map((s) => s.userId)).toEqual([PEOPLE.jane]);
    expect(stack.slack.scim!.user(PEOPLE.jane)?.active).toBe(true);
    expect(runView(trail).steps.find((s) => s.id === 'slack.workspace.account')?.error).toContain(PEOPLE.jane);
  });
});

/** Jane disabled (deletion in 30 days), then reinstated once `meanwhile` has run; resolves with the trail once the reinstatement has finished. */
async function reinstateJane(stack: LocalStack, player: SlackPlayer, meanwhile: () => void) {
  const id = await player.request(PEOPLE.morgan, { ...janeLeaves, disposition: 'disable_then_delete', graceDays: '30' });
  await player.click(PEOPLE.alex, 'approve', id);
  await finishedTrail(stack, id);
  await stack.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks ?? []).includes(ACTIONS.reinstate), { timeoutMs: 20_000 });
  meanwhile();
  await player.checklistButton(PEOPLE.riley, 'reinstate', id);
  return { id, trail: await finishedTrail(stack, id, { rounds: 2 }) };
}

/** Every step of the reinstatement that restored something failed as not confirmed, and the round says so. */
function expectNoRestoreVerified(trail: Awaited<ReturnType<typeof finishedTrail>>) {
  const restoring = runView(trail).steps.filter((s) => s.phase === 'reinstate' && (s.changes ?? []).some((c) => c.outcome === 'restored'));
  for (const step of restoring) {
    expect([step.id, step.state]).toEqual([step.id, 'failed']);
    expect(step.error).toMatch(/^not confirmed/);
  }
  expect(eventsOf(trail, 'run.finished')[1]!.outcome).toBe('failures');
  return restoring.map((s) => s.id).sort();
}

describe('a restoration that does not stick is never shown as done', () => {
  it('IBM Cloud: while IAM does not yet list what Reinstate gave back, each step that restored something fails as not confirmed', async () => {
    const { stack, player } = await start({ env: briefReadBack });

    const { trail } = await reinstateJane(stack, player, () => stack.ibm.setConsistencyDelay(120_000));

    // Membership was kept during the grace period: nothing of it to restore.
    const restoring = expectNoRestoreVerified(trail);
    expect(restoring).toEqual(
      [ACME_PRODUCTION, ACME_STAGING].flatMap((a) => IBM_STEPS.filter((s) => s !== 'account-membership').map((s) => `ibm-cloud.${a}.${s}`)).sort(),
    );
  });

  it('Slack: an account deactivated again right after the bot reactivates it fails as not confirmed', async () => {
    const { stack, player } = await start({ slackScim: true, ibmCloud: false, env: briefReadBack });

    const { trail } = await reinstateJane(stack, player, () => stack.slack.scim!.pinActive(PEOPLE.jane, false));

    expect(expectNoRestoreVerified(trail)).toEqual(['slack.workspace.account']);
    expect(stack.slack.scim!.user(PEOPLE.jane)?.active).toBe(false);
  });
});

describe('read-backs learn how long the system takes to show a change', () => {
  it('IBM Cloud taking 500 ms: once the bot has seen it, each step that removed something is read back about twice at most, where the first person took many polls', async () => {
    const { stack, player } = await start({
      ibm: { seed: crowdIbmSeed(2), consistencyDelayMs: 500 },
      extraSlackUsers: crowdSlackUsers(2),
      env: { OFFBOARD_VERIFY_INTERVAL_MS: '50' },
    });
    const offboard = async (i: number) => {
      const id = await player.request(PEOPLE.morgan, {
        person: crowdPerson(i).slackUserId,
        reason: 'contract_end',
        disposition: 'delete_now',
        ticket: `HR-LEARN-${i}`,
      });
      await player.click(PEOPLE.alex, 'approve', id);
      return finishedTrail(stack, id);
    };
    /** The read-backs each step that changed something made before it was verified. */
    const checksOf = (trail: Awaited<ReturnType<typeof finishedTrail>>) => {
      const changed = new Set(eventsOf(trail, 'step.acted').flatMap((e) => (e.changes.some((c) => c.outcome !== 'already_absent') ? [e.stepId] : [])));
      return eventsOf(trail, 'step.verified')
        .filter((e) => changed.has(e.stepId))
        .map((e) => e.checks);
    };

    const firstTrail = await offboard(0);
    const secondTrail = await offboard(1);
    const [first, second] = [checksOf(firstTrail), checksOf(secondTrail)];

    for (const trail of [firstTrail, secondTrail]) expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    // The same steps changed something for both (keys, groups, policies, membership in two accounts).
    expect(second).toHaveLength(first.length);
    expect(second.length).toBeGreaterThanOrEqual(8);
    // Just started, the bot read back at once and then every 50 ms or so until IAM showed the change;
    // having seen IAM take about 500 ms, it waited about that long: most changes confirmed by the first or
    // second read-back, none needing more than three.
    for (const checks of second) expect(checks).toBeLessThanOrEqual(3);
    expect(second.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2 * second.length);
    expect(second.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(first.reduce((a, b) => a + b, 0));
  });
});

describe('a step that changed nothing is verified by the listing it read', () => {
  it('IBM Cloud: each step that found nothing ends verified by its inventory listing, no read-back of its own, and the checklist and the evidence say when that listing was read', async () => {
    const { stack, player } = await start({ ibm: { seed: crowdIbmSeed(1), consistencyDelayMs: 500 }, extraSlackUsers: crowdSlackUsers(1) });
    const id = await player.request(PEOPLE.morgan, {
      person: crowdPerson(0).slackUserId,
      reason: 'contract_end',
      disposition: 'delete_now',
      ticket: 'HR-LISTED',
    });
    await player.click(PEOPLE.alex, 'approve', id);
    const trail = await finishedTrail(stack, id);

    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    const inventoried = new Map(eventsOf(trail, 'step.inventoried').map((e) => [e.stepId, e]));
    const acted = new Set(eventsOf(trail, 'step.acted').map((e) => e.stepId));
    const verified = eventsOf(trail, 'step.verified');
    // The person holds no trusted profile link: that step found nothing in either account.
    const links = [ACME_PRODUCTION, ACME_STAGING].map((a) => `ibm-cloud.${a}.trusted-profiles`);
    for (const step of links) expect(inventoried.get(step)?.found).toEqual([]);
    // Service IDs and their keys are read from the account's key listing too, which the bot's deletion of
    // the person's own keys makes stale when it comes first: such a step reads back afresh instead.
    const readsKeyListing = (stepId: string) => /\.service-id(s|-keys)$/.test(stepId);
    for (const e of verified.filter((v) => inventoried.get(v.stepId)?.found.length === 0 && !acted.has(v.stepId))) {
      if (e.by !== 'listing' && readsKeyListing(e.stepId)) {
        expect(e.checks).toBeGreaterThanOrEqual(1);
        continue;
      }
      expect(e).toMatchObject({ by: 'listing', checks: 0, elapsedMs: 0 });
      // Confirmed as of when the listing was read: at or before the step recorded what it found.
      expect(Date.parse(e.firstConfirmedAt)).toBeLessThanOrEqual(Date.parse(inventoried.get(e.stepId)!.at));
    }
    expect(verified.filter((e) => links.includes(e.stepId)).map((e) => e.by)).toEqual(['listing', 'listing']);
    // What changed something was read back after the change, as ever.
    for (const e of verified.filter((v) => acted.has(v.stepId))) {
      expect(e.by).toBeUndefined();
      expect(e.checks).toBeGreaterThanOrEqual(1);
    }

    expect(JSON.stringify(player.checklist(id)?.blocks ?? [])).toContain('nothing found; verified by its listing');
    const pdf = await player.evidence(id, 20_000);
    const text = (await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true })).text.replace(/\s+/g, ' ');
    expect(text).toContain('By its inventory listing, read at');
    expect(text).toContain('Verified by its inventory listing, read');
    // The pack's JSON names how each step was confirmed, and its outcome never says only "by read-back".
    const file = stack.slack.files.find((f) => f.filename.endsWith(`${id}.json`))!;
    const pack = JSON.parse(Buffer.from(file.bytes).toString('utf8')) as { outcome: { text: string }; steps: { id: string; assurance: string }[] };
    const assurance = new Map(pack.steps.map((s) => [s.id, s.assurance]));
    for (const step of links) expect(assurance.get(step)).toBe('verified_by_listing');
    for (const e of verified.filter((v) => acted.has(v.stepId))) expect(assurance.get(e.stepId)).toBe('verified_by_read_back');
    expect(pack.outcome.text).toContain('verified by read-back, or by its listing where a step found nothing to change');
  });
});

describe('what a read-back shows that no look of the step listed', () => {
  const KEYS_STEP = `ibm-cloud.${ACME_PRODUCTION}.api-keys`;

  /** Jane's request, approved; each time her production API-key step sets out to act (up to `times`), someone makes her a new key. */
  async function offboardJaneWhileKeysAreMade(stack: LocalStack, player: SlackPlayer, times: number) {
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    await player.click(PEOPLE.alex, 'approve', id);
    const made: string[] = [];
    while (made.length < times) {
      const trail = await readTrail(stack, id);
      if (eventsOf(trail, 'run.finished').length > 0) break;
      if (eventsOf(trail, 'step.acting').filter((e) => e.stepId === KEYS_STEP).length > made.length)
        made.push(stack.ibm.createApiKey({ accountId: ACME_PRODUCTION, iamId: SIM_IAM_IDS.jane, name: `late-key-${made.length + 1}` }).id);
      else await new Promise((r) => setTimeout(r, 10));
    }
    return { id, made, trail: await finishedTrail(stack, id) };
  }

  it('IBM Cloud: a key made for Jane after her key step looked is found by its read-back, deleted on a second look, and the step ends verified; no key is deleted twice', async () => {
    const { stack, player } = await start({ ibm: { consistencyDelayMs: 1000 } });

    const { id, made, trail } = await offboardJaneWhileKeysAreMade(stack, player, 1);

    expect(made).toHaveLength(1);
    const [late] = made;
    expect(stack.ibm.apiKey(late!)).toBeUndefined();
    expect(runView(trail).steps.find((s) => s.id === KEYS_STEP)?.state).toBe('verified');
    // The trail says why the step looked again, naming the key; no attempt is said to have failed.
    const relooked = eventsOf(trail, 'step.relooking').filter((e) => e.stepId === KEYS_STEP);
    expect(relooked.map((e) => e.shown.map((f) => [f.id, f.label]))).toEqual([[[late, 'late-key-1']]]);
    expect(eventsOf(trail, 'step.retrying').filter((e) => e.stepId === KEYS_STEP)).toEqual([]);
    // Two looks, each setting out on keys the other did not: the late key on the second alone.
    const acting = eventsOf(trail, 'step.acting').filter((e) => e.stepId === KEYS_STEP);
    expect(acting.map((e) => e.itemIds.some((key) => key.split('/')[0] === late))).toEqual([false, true]);
    const deletes = stack.ibm.requests.filter((r) => r.method === 'DELETE' && r.path.startsWith('/v1/apikeys/')).map((r) => r.path);
    expect(deletes.length).toBe(new Set(deletes).size);
    expect(deletes).toContain(`/v1/apikeys/${late}`);
    // The evidence says so too, and says no attempt failed.
    const pdf = await player.evidence(id, 20_000);
    const text = (await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true })).text.replace(/\s+/g, ' ');
    expect(text).toContain(`a read-back showed 1 item no look of the step had listed: ${late}; it looks again and acts on them`);
  });

  it('IBM Cloud: a key that keeps coming back sends the step to look again twice, then it ends not confirmed naming the last one, which it never touched', async () => {
    const { stack, player } = await start({ ibm: { consistencyDelayMs: 1000 }, env: { OFFBOARD_VERIFY_TIMEOUT_MS: '4000', OFFBOARD_JOB_ATTEMPTS: '1' } });

    const { made, trail } = await offboardJaneWhileKeysAreMade(stack, player, 3);

    expect(made).toHaveLength(3);
    const step = runView(trail).steps.find((s) => s.id === KEYS_STEP);
    expect(step?.state).toBe('failed');
    expect(step?.error).toMatch(/^not confirmed/);
    expect(step?.error).toContain(`late-key-3 (${made[2]})`);
    expect(eventsOf(trail, 'step.relooking').filter((e) => e.stepId === KEYS_STEP)).toHaveLength(2);
    expect(eventsOf(trail, 'step.acting').filter((e) => e.stepId === KEYS_STEP)).toHaveLength(3);
    // The first two were deleted on the looks they sent the step to; the third was never touched.
    expect(made.map((k) => stack.ibm.apiKey(k) !== undefined)).toEqual([false, false, true]);
    expect(stack.ibm.requests.some((r) => r.method === 'DELETE' && r.path === `/v1/apikeys/${made[2]}`)).toBe(false);
  });
});
