import { extractText, getDocumentProxy } from 'unpdf';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/audit-event.js';
import { runView } from '../../src/runs/run-view.js';
import { itemKey } from '../../src/connectors/connector.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { eventsOf, eventually, finishedTrail, PACK_VERIFIED_BUT_ONE, readTrail, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { spawnBot, type BotProcess } from '../support/bot-process.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const MUTATIONS = new Set(['DELETE', 'POST', 'PATCH', 'PUT']);

/** Morgan asks to offboard Jane; the web part runs here, the workers in processes the test can kill. */
async function offboardWithWorkerProcesses() {
  const { stack, player } = await start({ env: { OFFBOARD_ROLE: 'web', OFFBOARD_JOB_LOCK_MS: '1000' } });
  const workerEnv = { ...stack.env, OFFBOARD_ROLE: 'worker', PORT: '0' };
  const workers: BotProcess[] = [];
  const spawnWorker = () => {
    const w = spawnBot(workerEnv);
    workers.push(w);
    return w;
  };
  spawnWorker();
  const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'termination', successor: PEOPLE.taylor, ticket: 'HR-KILL' });
  // Slow IBM Cloud down so the kill lands in the middle of the steps' work.
  stack.ibm.setLatency(250);
  await player.click(PEOPLE.alex, 'approve', id);
  return { stack, player, id, workers, spawnWorker };
}

const removedSoFar = (trail: AuditRecord[]) => eventsOf(trail, 'step.acted').some((e) => e.changes.some((c) => c.outcome === 'removed'));

describe('a worker process killed in the middle of a step', () => {
  const running: BotProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((w) => w.kill9()));
  });

  it('is taken over by a new worker: the run completes, each resource is deleted once, every removal is in the trail with the transaction id that did it, one PDF', async () => {
    const { stack, player, id, workers, spawnWorker } = await offboardWithWorkerProcesses();
    running.push(...workers);
    const seeded = await eventually(
      async () => {
        const trail = await readTrail(stack, id);
        return removedSoFar(trail) ? trail : undefined;
      },
      20_000,
      'a first removal',
    );
    await workers[0]!.kill9();
    expect(eventsOf(seeded, 'run.finished')).toHaveLength(0);

    stack.ibm.setLatency(0);
    running.push(spawnWorker());
    const trail = await finishedTrail(stack, id, { timeoutMs: 40_000 });

    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    // Each resource was changed by exactly one successful call.
    const mutations = stack.ibm.requests.filter((r) => MUTATIONS.has(r.method) && !r.path.includes('/identity/token'));
    const byPath = new Map<string, number>();
    // "Remove from all groups" names its account in the query, not the path.
    const target = (r: (typeof mutations)[number]) => `${r.path}${r.query.account_id ? `?account_id=${r.query.account_id}` : ''}`;
    for (const r of mutations.filter((m) => m.status < 300)) byPath.set(target(r), (byPath.get(target(r)) ?? 0) + 1);
    for (const [path, count] of byPath) expect(count, path).toBe(1);
    // Every change IBM Cloud logged is in the trail under the transaction id it was made with.
    const acted = new Set(eventsOf(trail, 'step.acted').map((e) => e.transactionId));
    for (const r of mutations.filter((m) => m.status < 300)) expect(acted, `${r.method} ${r.path}`).toContain(r.transactionId);
    // And every item the run found is recorded as removed (or already gone), none left as "found, never removed".
    for (const step of runView(trail).steps) {
      const changed = new Set(step.changes?.map((c) => c.id));
      for (const item of step.found ?? []) expect(changed, `${step.id}: ${item.id}`).toContain(item.id);
    }

    const pdfs = () => stack.slack.files.filter((f) => f.filename.includes(id) && f.filename.endsWith('.pdf'));
    const reports = await eventually(
      async () => {
        const files = pdfs();
        return files.length ? files : undefined;
      },
      20_000,
      'the evidence report',
    );
    const text = (await extractText(await getDocumentProxy(new Uint8Array(reports[0]!.bytes)), { mergePages: true })).text;
    expect(text).toContain(PACK_VERIFIED_BUT_ONE);
    await new Promise((r) => setTimeout(r, 500));
    expect(pdfs()).toHaveLength(1);
    expect(player.checklist(id)?.text).toBeDefined();
  }, 90_000);

  it('killed twice in a row, the step ends failed in the trail and the checklist, with the retry path', async () => {
    const { stack, player, id, workers, spawnWorker } = await offboardWithWorkerProcesses();
    running.push(...workers);
    await eventually(async () => removedSoFar(await readTrail(stack, id)), 20_000, 'a first removal');
    await workers[0]!.kill9();
    const second = spawnWorker();
    running.push(second);
    // The second worker takes the stalled steps over; kill it as soon as one of them starts again.
    await eventually(async () => eventsOf(await readTrail(stack, id), 'step.started').some((e) => e.attempt === 2), 30_000, 'a second execution');
    await second.kill9();
    stack.ibm.setLatency(0);
    running.push(spawnWorker());

    const trail = await finishedTrail(stack, id, { timeoutMs: 40_000 });
    const stopped = eventsOf(trail, 'step.failed').filter((e) => /stopped/.test(e.error));
    expect(stopped.length).toBeGreaterThan(0);
    expect(eventsOf(trail, 'run.finished')[0]!.outcome).toBe('failures');
    // Never "running" for good: every planned step ended one way or the other.
    for (const step of runView(trail).steps) expect(['verified', 'failed', 'unchecked']).toContain(step.state);
    // Every change IBM Cloud made, by whichever execution, is in the trail under the transaction id it was made with.
    const acted = new Set(eventsOf(trail, 'step.acted').map((e) => e.transactionId));
    const made = stack.ibm.requests.filter((r) => MUTATIONS.has(r.method) && !r.path.includes('/identity/token') && r.status < 300);
    expect(made.length).toBeGreaterThan(0);
    for (const r of made) expect(acted, `${r.method} ${r.path}`).toContain(r.transactionId);
    // Every item a stopped step's executions set out on ends removed, still present, outcome unknown, or kept (what the
    // person created, handed over: left working on purpose), under a transaction id.
    for (const step of runView(trail).steps.filter((s) => stopped.some((f) => f.stepId === s.id))) {
      const outcomes = new Map((step.changes ?? []).map((c) => [itemKey(c), c.outcome]));
      for (const item of step.intents.flatMap((i) => i.itemIds))
        expect(['removed', 'disabled', 'already_absent', 'still_present', 'outcome_unknown', 'kept'], `${step.id}: ${item}`).toContain(outcomes.get(item));
    }
    // The step's end is stated once.
    for (const step of runView(trail).steps)
      expect(
        trail.filter((e) => (e.type === 'step.failed' || e.type === 'step.verified' || e.type === 'step.unchecked') && e.stepId === step.id),
        step.id,
      ).toHaveLength(1);

    const checklist = await stack.slack.waitFor(
      () => {
        const c = player.checklist(id);
        return c && JSON.stringify(c.blocks).includes(ACTIONS.retry) ? c : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(JSON.stringify(checklist.blocks)).toContain('stopped');
  }, 90_000);
});
