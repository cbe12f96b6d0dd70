import { describe, expect, it } from 'vitest';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING, JANE_EMAIL, SIM_IAM_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, finishedTrail, storedRequest, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { checklistMessage } from '../../src/slack/blocks/checklist-message.js';
import { runView } from '../../src/runs/run-view.js';
import { extractText, getDocumentProxy } from 'unpdf';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUES } from '../../src/queue/queue-names.js';
import { stepJobId } from '../../src/runs/run-flow.js';
import { itemKey } from '../../src/connectors/connector.js';
import { RateBudget } from '../../src/connectors/rate-budget.js';
import { Keys } from '../../src/redis.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const RPS = 4;

describe('with IBMCLOUD_MAX_RPS set', () => {
  it('an offboarding waits for its turn instead of failing: verified, no retries spent, and each account’s calls spaced to the budget', async () => {
    const { stack, player } = await start({ env: { IBMCLOUD_MAX_RPS: String(RPS) } });
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', ticket: 'HR-RPS' });
    const approvedAt = Date.now();
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id, { timeoutMs: 60_000 });
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    // Waiting for the budget is not a failure: no attempt was spent on it.
    expect(eventsOf(trail, 'step.retrying')).toEqual([]);
    expect(eventsOf(trail, 'step.failed')).toEqual([]);
    for (const account of [ACME_PRODUCTION, ACME_STAGING]) expect(stack.ibm.userInAccount(account, JANE_EMAIL)).toBeUndefined();
    expect(stack.ibm.apiKeysOf(ACME_PRODUCTION, SIM_IAM_IDS.jane)).toEqual([]);

    // After the first second's burst, each account's calls of the run are spaced 1/RPS apart.
    const run = stack.ibm.requests.filter((r) => Date.parse(r.at) >= approvedAt - 5 && r.path !== '/identity/token');
    const inProduction = run.filter((r) => r.path.includes(ACME_PRODUCTION) || r.query.account_id === ACME_PRODUCTION);
    expect(inProduction.length).toBeGreaterThan(2 * RPS);
    const span = Date.parse(inProduction.at(-1)!.at) - Date.parse(inProduction[0]!.at);
    expect(span).toBeGreaterThanOrEqual(((inProduction.length - RPS) / RPS) * 1000 - 50);
  });

  it('a step the budget sends back while it acts is shown paused, with why, and goes on as the same attempt: one start, one transaction id, no retry spent', async () => {
    const { stack, player } = await start({ env: { IBMCLOUD_MAX_RPS: '10' } });
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', ticket: 'HR-RPS-HOLD' });
    // Another worker met IBM's 429 in Production and holds the account's shared budget for 4 s.
    const redis = new Redis(stack.config.redisUrl);
    try {
      const keys = new Keys(stack.config.redisPrefix);
      await new RateBudget(redis, (account) => keys.budget('ibm-cloud', account), { system: 'IBM Cloud', rps: 10, maxWaitMs: 2_000 }).hold(
        ACME_PRODUCTION,
        4_000,
      );
    } finally {
      redis.disconnect();
    }
    await player.click(PEOPLE.alex, 'approve', id);
    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);

    const deferred = eventsOf(trail, 'step.deferred');
    expect(deferred.length).toBeGreaterThan(0);
    for (const pause of deferred) {
      expect(pause.stepId).toContain(ACME_PRODUCTION);
      expect(pause.reason).toBe(`the IBM Cloud request budget of ${ACME_PRODUCTION} is used up for now`);
      expect(pause.attempt).toBe(1);
      // Sent back only when its turn was further out than a call may wait in its slot (2 s).
      expect(pause.resumeInMs).toBeGreaterThan(2_000);
      expect(pause.resumeInMs).toBeLessThanOrEqual(5_000);
      const ofStep = <T extends Parameters<typeof eventsOf>[1]>(type: T) => eventsOf(trail, type).filter((e) => 'stepId' in e && e.stepId === pause.stepId);
      // What did not happen: no second attempt, no retry, no second transaction, nothing acted on twice.
      expect(ofStep('step.started').map((e) => e.attempt)).toEqual([1]);
      expect(ofStep('step.retrying')).toEqual([]);
      expect(new Set(ofStep('step.acting').map((e) => e.transactionId)).size).toBeLessThanOrEqual(1);
      const changed = ofStep('step.acted').flatMap((e) => e.changes.map(itemKey));
      expect(new Set(changed).size).toBe(changed.length);
      expect(ofStep('step.verified')).toHaveLength(1);
    }
    expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeUndefined();
    expect(stack.ibm.apiKeysOf(ACME_PRODUCTION, SIM_IAM_IDS.jane)).toEqual([]);
    // Each pause was taken up once: no job ends still marked paused (an execution that died after its pause would be one of its own).
    const queueRedis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUES.revocations, { connection: queueRedis, prefix: stack.config.redisPrefix });
    try {
      for (const stepId of new Set(deferred.map((e) => e.stepId))) expect((await queue.getJob(stepJobId(id, 1, stepId)))?.data).not.toHaveProperty('paused');
    } finally {
      await queue.close();
      queueRedis.disconnect();
    }

    // While it waited, the checklist said so, with why, and that no retry was spent.
    const first = deferred[0]!;
    const upToPause = runView(trail.slice(0, trail.indexOf(first) + 1));
    expect(upToPause.steps.find((s) => s.id === first.stepId)?.state).toBe('paused');
    const checklist = JSON.stringify(checklistMessage(await storedRequest(stack, id), upToPause).blocks);
    expect(checklist).toMatch(/:double_vertical_bar: [^:]+: paused for about [345] s, no retry spent: the IBM Cloud request budget of \w+ is used up for now/);
    // Once it records what it does again, it is running again.
    const after = trail.findIndex((e, i) => i > trail.indexOf(first) && 'stepId' in e && e.stepId === first.stepId && e.type !== 'step.deferred');
    expect(runView(trail.slice(0, after + 1)).steps.find((s) => s.id === first.stepId)?.state).not.toBe('paused');

    // The evidence states the pause as what it was.
    const pdf = await player.evidence(id);
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true });
    expect(text.replace(/\s+/g, ' ')).toMatch(
      /Attempt 1 paused before its next call, no retry spent: the IBM Cloud request budget of \w+ is used up for now; told to wait about [\d.]+ s/,
    );
  });
});
