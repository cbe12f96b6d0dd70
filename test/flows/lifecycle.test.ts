import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { runView } from '../../src/runs/run-view.js';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { Keys } from '../../src/redis.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { ACME_PRODUCTION, ACME_STAGING, SIM_IAM_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { ephemeralsFor, eventsOf, eventually, finishedTrail, readTrail, VERIFIED_BUT_STAGING, storedStatus } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const ACCOUNTS = [ACME_PRODUCTION, ACME_STAGING];
const JANE_IDS = [SIM_IAM_IDS.jane, SIM_IAM_IDS.janeSl];
const janeLeaves = {
  person: PEOPLE.jane,
  reason: 'resignation' as const,
  disposition: 'disable_then_delete' as const,
  graceDays: '30',
  successor: PEOPLE.taylor,
  ticket: 'HR-LIFE',
};

/** Everything of Jane's the simulator holds, as comparable values: ids where they are kept, contents where they are not (a re-created policy). */
function janeHolds(stack: LocalStack) {
  return ACCOUNTS.map((account) => ({
    account,
    members: JANE_IDS.filter((id) => stack.ibm.usersInAccount(account, 'jane.doe@acme.example').some((u) => u.iam_id === id)).sort(),
    keys: JANE_IDS.flatMap((id) => stack.ibm.apiKeysOf(account, id).map((k) => `${k.id}:${k.disabled ? 'disabled' : 'enabled'}`)).sort(),
    groups: JANE_IDS.flatMap((id) => stack.ibm.groupsOf(account, id).map((g) => `${g.id}/${id}`)).sort(),
    policies: JANE_IDS.flatMap((id) =>
      stack.ibm.policiesOf(account, id).map((p) => JSON.stringify({ subject: p.subject, control: p.control, resource: p.resource })),
    ).sort(),
    links: JANE_IDS.flatMap((id) => stack.ibm.profilesLinkedTo(account, id).map((p) => `${p.id}/${id}`)).sort(),
  }));
}

/** The request's status moves on right after its round's last trail entry: wait for it. */
async function statusBecomes(stack: LocalStack, id: string, expected: string) {
  await eventually(async () => (await storedStatus(stack, id)) === expected, 10_000, `status ${expected}`);
}

async function deletionJob(stack: LocalStack, id: string) {
  const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.runs, { connection: redis, prefix: stack.config.redisPrefix });
  try {
    const job = await queue.getJob(`${id}.deletion`);
    return job ? { state: await job.getState(), runsAt: job.timestamp + job.delay } : undefined;
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/** Every id of Jane's the simulator holds: IAM ids, keys, groups, policies, trusted profiles. */
function janeIds(stack: LocalStack): string[] {
  return ACCOUNTS.flatMap((account) =>
    JANE_IDS.flatMap((iam) => [
      ...stack.ibm
        .usersInAccount(account, 'jane.doe@acme.example')
        .filter((u) => u.iam_id === iam)
        .map((u) => u.iam_id),
      ...stack.ibm.apiKeysOf(account, iam).map((k) => k.id),
      ...stack.ibm.groupsOf(account, iam).map((g) => g.id),
      ...stack.ibm.policiesOf(account, iam).map((p) => p.id),
      ...stack.ibm.profilesLinkedTo(account, iam).map((p) => p.id),
    ]),
  );
}

/** The round's evidence pack as uploaded: the JSON's text and the PDF's text. */
async function packOfRound(
  stack: LocalStack,
  player: { evidence(id: string, timeoutMs?: number, round?: number): Promise<{ bytes: Buffer | Uint8Array }> },
  id: string,
  round: number,
) {
  const pdf = await player.evidence(id, 20_000, round);
  const json = stack.slack.files.find((f) => f.filename.endsWith(`${id}${round > 1 ? `-round${round}` : ''}.json`))!;
  const text = (await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true })).text;
  return { json: Buffer.from(json.bytes).toString('utf8'), pdf: text, flat: text.replace(/\s+/g, ' ') };
}

/** Morgan asks for Jane (disable now, delete after 30 days), Alex approves; resolves once the disable round has finished. */
async function disabledJane() {
  const { stack, player } = await start({ slackScim: true });
  const before = janeHolds(stack);
  const id = await player.request(PEOPLE.morgan, janeLeaves);
  await player.click(PEOPLE.alex, 'approve', id);
  const trail = await finishedTrail(stack, id);
  await stack.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks ?? []).includes(ACTIONS.reinstate), { timeoutMs: 20_000 });
  return { stack, player, id, before, trail };
}

describe('disable now, delete after the grace period', () => {
  it('disables first: keys disabled not deleted, groups, policies and links removed, membership and the Slack account kept but deactivated, each with its snapshot', async () => {
    const { stack, player, id, before, trail } = await disabledJane();

    expect(eventsOf(trail, 'run.planned')[0]).toMatchObject({ round: 1, phase: 'disable' });
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    await statusBecomes(stack, id, 'disabled');
    const after = janeHolds(stack);
    for (const [i, account] of after.entries()) {
      expect(account.members).toEqual(before[i]!.members);
      expect(account.keys).toEqual(before[i]!.keys.map((k) => k.replace(':enabled', ':disabled')));
      expect(account.groups).toEqual([]);
      expect(account.policies).toEqual([]);
      expect(account.links).toEqual([]);
    }
    expect(stack.slack.scim!.user(PEOPLE.jane)?.active).toBe(false);
    // Every removal keeps what it takes to restore it.
    const changes = runView(trail)
      .steps.flatMap((s) => s.changes ?? [])
      // What the person created, handed over to the successor, is kept as it is: nothing was removed.
      .filter((c) => c.outcome !== 'already_absent' && c.outcome !== 'kept');
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) expect(c.snapshot, `${c.id}`).toBeDefined();
    // The deletion waits for the end of the grace period, and the checklist says when.
    const deletion = await deletionJob(stack, id);
    expect(deletion?.state).toBe('delayed');
    expect(deletion!.runsAt - Date.now()).toBeGreaterThan(29 * 24 * 3600 * 1000);
    expect(JSON.stringify(player.checklist(id)!.blocks)).toContain('Deletion scheduled for');
  });

  it('"End grace period now" deletes at once: keys deleted, membership removed, Slack stays deactivated; the request completes', async () => {
    const { stack, player, id } = await disabledJane();
    const res = await player.checklistButton(PEOPLE.riley, 'endGrace', id);
    expect(res.status).toBe(200);

    const trail = await finishedTrail(stack, id, { rounds: 2 });
    expect(eventsOf(trail, 'grace.ended')).toEqual([expect.objectContaining({ actor: PEOPLE.riley })]);
    expect(eventsOf(trail, 'run.planned')[1]).toMatchObject({ round: 2, phase: 'delete' });
    expect(eventsOf(trail, 'run.finished')[1]).toMatchObject(VERIFIED_BUT_STAGING);
    for (const account of janeHolds(stack)) expect(account).toEqual({ account: account.account, members: [], keys: [], groups: [], policies: [], links: [] });
    expect(stack.slack.scim!.user(PEOPLE.jane)?.active).toBe(false);
    await statusBecomes(stack, id, 'completed');
  });

  it('two approvers clicking "End grace period now" at the same moment end it once: one grace.ended, one deletion round, the other told', async () => {
    const { stack, player, id } = await disabledJane();
    const ephemeralsBefore = stack.slack.ephemerals.length;

    const answers = await Promise.all([player.checklistButton(PEOPLE.riley, 'endGrace', id), player.checklistButton(PEOPLE.alex, 'endGrace', id)]);

    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    const trail = await finishedTrail(stack, id, { rounds: 2 });
    expect(eventsOf(trail, 'grace.ended')).toHaveLength(1);
    expect(eventsOf(trail, 'run.planned').map((e) => e.phase)).toEqual(['disable', 'delete']);
    const told = stack.slack.ephemerals.slice(ephemeralsBefore).map((e) => e.text);
    expect(told.some((t) => /has just been ended|running|finished/.test(t))).toBe(true);
    await statusBecomes(stack, id, 'completed');
  });
});

describe('the evidence of every round', () => {
  it('keeps every id whole in every round, disable, delete after "End grace period now" and a retry, in the trail, the pack JSON and the PDF, and names each round for what it is', async () => {
    const { stack, player, id } = await disabledJane();
    const ids = [...new Set(janeIds(stack))];
    expect(ids.length).toBeGreaterThan(6);
    // The delete phase cannot delete API keys until someone fixes the permission; then an approver retries.
    stack.ibm.inject({ method: 'DELETE', path: '/v1/apikeys/', status: 403 });
    await player.checklistButton(PEOPLE.riley, 'endGrace', id);
    await finishedTrail(stack, id, { rounds: 2 });
    await statusBecomes(stack, id, 'completed');
    await stack.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks ?? []).includes('Retry failed steps'), { timeoutMs: 20_000 });
    stack.ibm.clearFaults();
    await player.retry(PEOPLE.alex, id);
    const trail = await finishedTrail(stack, id, { rounds: 3 });
    expect(eventsOf(trail, 'run.planned').map((e) => e.phase)).toEqual(['disable', 'delete', 'delete']);

    // What IBM Cloud was told, call by call: the transaction ids of all three rounds.
    const transactions = [...new Set(stack.ibm.requests.filter((r) => r.method !== 'GET' && r.transactionId).map((r) => r.transactionId!))];
    for (const round of ['-r2-', '-r3-'])
      expect(
        transactions.some((t) => t.includes(round)),
        round,
      ).toBe(true);
    // The Slack file ids of the packs of rounds 1 and 2, which the trail records as they are stored.
    const files = stack.slack.files.filter((f) => f.filename.endsWith('.pdf') && !f.filename.includes('-round3')).map((f) => f.id);
    expect(files).toHaveLength(2);
    const everyId = [id, ...ids, ...transactions, ...files, ...ACCOUNTS, PEOPLE.jane, PEOPLE.alex, PEOPLE.riley, PEOPLE.morgan, 'jane.doe@acme.example'];

    const stored = JSON.stringify(await readTrail(stack, id));
    const pack = await packOfRound(stack, player, id, 3);
    for (const each of everyId) {
      expect(stored, `trail: ${each}`).toContain(each);
      expect(pack.json, `JSON: ${each}`).toContain(each);
    }
    for (const t of transactions) expect(pack.pdf, `PDF: ${t}`).toContain(t);
    for (const each of [...ids, ...ACCOUNTS]) expect(pack.pdf, `PDF: ${each}`).toContain(each);
    expect(stored).not.toContain('[redacted');
    expect(pack.json).not.toContain('[redacted');

    expect(pack.flat).toContain('Round 1: disable phase at');
    expect(pack.flat).toContain(`Round 2: delete phase (grace ended by Riley Ito (${PEOPLE.riley})) at`);
    expect(pack.flat).toContain(`Round 3: retry by Alex Admin (${PEOPLE.alex}) of the delete phase's failed steps at`);
    expect(pack.flat).toMatch(/Deletion due \S+ \(scheduled at \S+\); ran in round 2, delete phase \(grace ended by Riley Ito/);
    const { deletion, rounds } = JSON.parse(pack.json) as { deletion: { due_at: string; ran_in_round: number }; rounds: { kind: string; by: string }[] };
    expect(deletion).toMatchObject({ ran_in_round: 2, cancelled_by_round: null });
    expect(pack.flat).toContain(`Deletion due ${deletion.due_at}`);
    expect(rounds.map((r) => [r.kind, r.by])).toEqual([
      ['first', PEOPLE.alex],
      ['grace_ended', PEOPLE.riley],
      ['retry', PEOPLE.alex],
    ]);
    expect(pack.flat).not.toMatch(/failed steps? retried by/);
  });
});

describe('reinstating during the grace period', () => {
  it('restores exactly what was there before, item by item, cancels the deletion and tells the requester', async () => {
    const { stack, player, id, before } = await disabledJane();
    const res = await player.checklistButton(PEOPLE.riley, 'reinstate', id);
    expect(res.status).toBe(200);

    const trail = await finishedTrail(stack, id, { rounds: 2 });
    expect(eventsOf(trail, 'run.planned')[1]).toMatchObject({ round: 2, phase: 'reinstate', by: PEOPLE.riley });
    expect(eventsOf(trail, 'run.finished')[1]!.outcome).toBe('verified');
    expect(janeHolds(stack)).toEqual(before);
    expect(stack.slack.scim!.user(PEOPLE.jane)?.active).toBe(true);
    await statusBecomes(stack, id, 'reinstated');
    expect(await deletionJob(stack, id)).toBeUndefined();
    // Re-created policies get new ids: the trail maps each old id to its new one.
    const policies = runView(trail)
      .steps.filter((s) => s.phase === 'reinstate' && s.ref.step === 'policies')
      .flatMap((s) => s.changes ?? []);
    expect(policies.length).toBeGreaterThan(0);
    for (const p of policies) expect(p.detail).toMatch(/^re-created as \S+$/);
    await stack.slack.waitFor(() => stack.slack.messages(PEOPLE.morgan).some((m) => m.text.includes('reinstating')));
  });

  it('gives a pack that names the reinstatement, who made it and what came back, and does not say "Reinstatements: none" or "All steps verified"', async () => {
    const { stack, player, id } = await disabledJane();
    await player.checklistButton(PEOPLE.riley, 'reinstate', id);
    const trail = await finishedTrail(stack, id, { rounds: 2 });
    const restored = runView(trail)
      .steps.filter((s) => s.phase === 'reinstate')
      .flatMap((s) => s.changes ?? [])
      .filter((c) => c.outcome === 'restored');
    expect(restored.length).toBeGreaterThan(0);

    const pack = await packOfRound(stack, player, id, 2);
    expect(pack.flat).not.toContain('Reinstatements none');
    expect(pack.flat).not.toContain('All steps verified');
    expect(pack.flat).toMatch(new RegExp(`Outcome Reinstated by ${PEOPLE.riley} at \\S+: ${restored.length} items restored, verified by read-back`));
    expect(pack.flat).toContain(`Reinstatements round 2, reinstatement by Riley Ito (${PEOPLE.riley}) at`);
    expect(pack.flat).toContain(`${restored.length} items restored (round outcome: verified)`);
    expect(pack.flat).toContain('not run: the person was reinstated in round 2');
    const json = JSON.parse(pack.json) as { outcome: { result: string }; rounds: { kind: string; by: string; restored: { id: string }[] }[] };
    expect(json.outcome.result).toBe('reinstated');
    expect(json.rounds[1]).toMatchObject({ kind: 'reinstatement', by: PEOPLE.riley });
    expect(json.rounds[1]!.restored.map((c) => c.id).sort()).toEqual(restored.map((c) => c.id).sort());
    expect(pack.flat).toMatch(
      /Hand-over \d+ items the person created kept working for the successor, listed under each step as handed over \(no credential was rotated by the bot\); anything else, their data included, recorded, not acted upon/,
    );
    expect(pack.flat).toContain('What they created Hand over to the successor (Taylor');
  });

  it('clicked twice, and on two clients at once, restores once', async () => {
    const { stack, player, id } = await disabledJane();
    await Promise.all([
      player.checklistButton(PEOPLE.riley, 'reinstate', id),
      player.checklistButton(PEOPLE.alex, 'reinstate', id),
      player.checklistButton(PEOPLE.riley, 'reinstate', id),
    ]);

    const trail = await finishedTrail(stack, id, { rounds: 2 });
    expect(eventsOf(trail, 'run.planned').filter((e) => e.phase === 'reinstate')).toHaveLength(1);
    expect(stack.ibm.requests.filter((r) => r.method === 'POST' && r.path === '/v2/policies')).toHaveLength(
      runView(trail)
        .steps.filter((s) => s.phase === 'disable' && s.ref.step === 'policies')
        .flatMap((s) => s.changes ?? [])
        .filter((c) => c.outcome === 'removed').length,
    );
  });

  it('is refused after the deletion has run, with a clear message, and nothing changes', async () => {
    const { stack, player, id } = await disabledJane();
    await player.checklistButton(PEOPLE.riley, 'endGrace', id);
    await finishedTrail(stack, id, { rounds: 2 });
    await statusBecomes(stack, id, 'completed');
    const requestsBefore = stack.ibm.requests.length;

    await player.checklistButton(PEOPLE.alex, 'reinstate', id);
    await stack.slack.waitFor(() => ephemeralsFor(stack, PEOPLE.alex).some((e) => e.text.includes('cannot be reinstated')));
    const trail = await finishedTrail(stack, id, { rounds: 2 });
    expect(eventsOf(trail, 'run.planned')).toHaveLength(2);
    expect(stack.ibm.requests.slice(requestsBefore).filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('a non-approver clicking Reinstate is refused and nothing changes; nor may the person themselves', async () => {
    const { stack, player, id } = await disabledJane();
    await player.checklistButton(PEOPLE.taylor, 'reinstate', id);
    await player.checklistButton(PEOPLE.jane, 'reinstate', id);
    await stack.slack.waitFor(() => ephemeralsFor(stack, PEOPLE.taylor).length > 0 && ephemeralsFor(stack, PEOPLE.jane).length > 0);

    expect(ephemeralsFor(stack, PEOPLE.jane)[0]!.text).toContain('your own offboarding');
    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'run.planned')).toHaveLength(1);
    expect(eventsOf(trail, 'approval.refused').map((e) => [e.actor, e.action])).toEqual([
      [PEOPLE.taylor, 'reinstate'],
      [PEOPLE.jane, 'reinstate'],
    ]);
    await statusBecomes(stack, id, 'disabled');
    expect(stack.slack.scim!.user(PEOPLE.jane)?.active).toBe(false);
  });
});

describe('a role change', () => {
  it('removes access but keeps the person: membership and Slack stay, keys are disabled, nothing is scheduled for deletion', async () => {
    const { stack, player } = await start({ slackScim: true });
    const before = janeHolds(stack);
    const id = await player.request(PEOPLE.morgan, { ...janeLeaves, reason: 'role_change' });
    // The approval message says what a role change does, so nobody approves a deletion by mistake.
    expect(JSON.stringify(player.approvalMessage(id)?.blocks)).toContain(
      'Role change: access is removed, the person and their accounts stay, nothing is deleted',
    );
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'run.planned')[0]!.steps.map((s) => s.step)).not.toContain('account-membership');
    expect(eventsOf(trail, 'run.planned')[0]!.steps.map((s) => s.system)).not.toContain('slack');
    for (const [i, account] of janeHolds(stack).entries()) {
      expect(account.members).toEqual(before[i]!.members);
      expect(account.groups).toEqual([]);
      expect(account.keys.every((k) => k.endsWith(':disabled'))).toBe(true);
    }
    expect(stack.slack.scim!.user(PEOPLE.jane)?.active).toBe(true);
    await statusBecomes(stack, id, 'completed');
    expect(await deletionJob(stack, id)).toBeUndefined();
  });
});

describe('a restart between the disable and the delete phase', () => {
  it('loses nothing: a lost deletion is scheduled again by the reconciler, and it still runs', async () => {
    const { stack, id } = await disabledJane();
    const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUES.runs, { connection: redis, prefix: stack.config.redisPrefix });
    try {
      await (await queue.getJob(`${id}.deletion`))!.remove();
      await stack.bot.stop();
      const { startOffboardBot } = await import('../../app/offboard-bot.js');
      const { createLogger } = await import('../../src/logger.js');
      const restarted = await startOffboardBot(stack.config, { logger: createLogger('silent') });
      try {
        const job = await (async () => {
          for (let i = 0; i < 100; i++) {
            const j = await queue.getJob(`${id}.deletion`);
            if (j) return j;
            await new Promise((r) => setTimeout(r, 50));
          }
          throw new Error('the deletion was not scheduled again');
        })();
        const { readTrail } = await import('../support/approval-helpers.js');
        console.log('EV', JSON.stringify((await readTrail(stack, id)).filter((e) => e.type === 'deletion.scheduled' || e.type === 'run.reconciled')));
        console.log('JOB', job.name, JSON.stringify(job.opts), job.delay, job.timestamp, job.processedOn, job.finishedOn, job.returnvalue, Date.now());
        expect(await job.getState()).toBe('delayed');
        await job.promote();
        const trail = await finishedTrail(stack, id, { rounds: 2 });
        expect(eventsOf(trail, 'run.reconciled').map((e) => e.action)).toContain('deletion-rescheduled');
        expect(eventsOf(trail, 'run.planned')[1]).toMatchObject({ phase: 'delete', by: 'schedule' });
        for (const account of janeHolds(stack)) expect(account.members).toEqual([]);
      } finally {
        await restarted.stop();
      }
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });
});

describe('a deletion that falls due while another round of the request runs', () => {
  it('waits for that round instead of being dropped, then runs', async () => {
    const { stack, id } = await disabledJane();
    const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUES.runs, { connection: redis, prefix: stack.config.redisPrefix });
    const store = new RequestStore(redis, new Keys(stack.config.redisPrefix));
    try {
      // A round is running (as a retry of the disable would be) when the grace period ends.
      await store.patch(id, { status: 'approved' }, ['disabled']);
      await (await queue.getJob(`${id}.deletion`))!.promote();
      await eventually(
        async () =>
          (await (await queue.getJob(`${id}.deletion`))?.getState()) === 'delayed' && (await queue.getJob(`${id}.deletion`))!.processedOn !== undefined,
        10_000,
        'the deletion to wait',
      );
      expect(eventsOf(await finishedTrail(stack, id), 'run.planned')).toHaveLength(1);

      // Once that round has ended, the deletion runs.
      await store.patch(id, { status: 'disabled' }, ['approved']);
      await (await queue.getJob(`${id}.deletion`))!.promote();
      const trail = await finishedTrail(stack, id, { rounds: 2 });
      expect(eventsOf(trail, 'run.planned')[1]).toMatchObject({ phase: 'delete', by: 'schedule' });
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });
});
