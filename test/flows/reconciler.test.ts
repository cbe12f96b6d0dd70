import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { FormAnswers } from '../../app/demo/request-form-values.js';
import { createLogger } from '../../src/logger.js';
import { startOffboardBot } from '../../app/offboard-bot.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { Keys } from '../../src/redis.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { ACME_PRODUCTION, ACME_STAGING, JANE_EMAIL } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, eventually, finishedTrail, queueSnapshot, readTrail, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

/** What approve() writes first, and nothing after: the process died between the decision and its jobs. */
async function storeDecisionOnly(redisUrl: string, prefix: string, id: string) {
  const redis = new Redis(redisUrl);
  try {
    const { applied } = await new RequestStore(redis, new Keys(prefix)).patch(
      id,
      { status: 'approved', decision: { outcome: 'approved', by: PEOPLE.alex, at: new Date().toISOString() } },
      ['pending'],
    );
    expect(applied).toBe(true);
  } finally {
    redis.disconnect();
  }
}

describe('the reconciler', () => {
  it('starts the run of a request whose approval was stored just before the process died, when the bot starts again', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-CRASH' });
    await stack.bot.stop();
    await storeDecisionOnly(stack.config.redisUrl, stack.config.redisPrefix, id);
    expect((await queueSnapshot(stack)).total).toBe(0);
    // Approve cannot rescue it: the request is already decided.
    const restarted = await startOffboardBot(stack.config, { logger: createLogger('silent') });
    try {
      const trail = await finishedTrail(stack, id, { timeoutMs: 20_000 });
      expect(eventsOf(trail, 'run.reconciled').map((e) => e.action)).toEqual(['run-started']);
      expect(eventsOf(trail, 'request.approved')).toHaveLength(1);
      expect(eventsOf(trail, 'run.planned')).toHaveLength(1);
      expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
      for (const account of [ACME_PRODUCTION, ACME_STAGING]) expect(stack.ibm.userInAccount(account, JANE_EMAIL)).toBeUndefined();
    } finally {
      await restarted.stop();
    }
  });

  it('starts a retry round that was granted just before the process died', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-CRASH3' });
    stack.ibm.inject({ method: 'DELETE', path: '/v1/apikeys/', status: 403 });
    await player.click(PEOPLE.alex, 'approve', id);
    const first = await finishedTrail(stack, id, { timeoutMs: 20_000 });
    const failed = eventsOf(first, 'run.finished')[0]!.failedSteps;
    expect(failed.length).toBeGreaterThan(0);
    await player.evidence(id);
    await stack.bot.stop();
    stack.ibm.clearFaults();

    // What retryFailed() writes first: the status flip that grants the round, and nothing after.
    const redis = new Redis(stack.config.redisUrl);
    try {
      const granted = await new RequestStore(redis, new Keys(stack.config.redisPrefix)).patch(
        id,
        { status: 'approved', nextRound: { round: 2, steps: failed, by: PEOPLE.riley, phase: 'delete' } },
        ['completed'],
      );
      expect(granted.applied).toBe(true);
    } finally {
      redis.disconnect();
    }
    const restarted = await startOffboardBot(stack.config, { logger: createLogger('silent') });
    try {
      const trail = await finishedTrail(stack, id, { timeoutMs: 20_000, rounds: 2 });
      const [, round2] = eventsOf(trail, 'run.planned');
      expect(round2).toMatchObject({ round: 2, by: PEOPLE.riley });
      expect(round2!.steps.map((st) => `${st.system}.${st.scope}.${st.step}`).sort()).toEqual([...failed].sort());
      expect(eventsOf(trail, 'run.finished')[1]).toMatchObject({ round: 2, ...VERIFIED_BUT_STAGING });
      expect(eventsOf(trail, 'run.reconciled').map((e) => e.action)).toEqual(['run-started']);
    } finally {
      await restarted.stop();
    }
  });

  it('on its schedule, finds such a request without any restart, and starts it once', async () => {
    const { stack, player } = await start({ env: { OFFBOARD_RECONCILE_INTERVAL_MS: '300' } });
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-CRASH2' });
    await storeDecisionOnly(stack.config.redisUrl, stack.config.redisPrefix, id);
    const trail = await finishedTrail(stack, id, { timeoutMs: 20_000 });
    // Later passes find nothing more to repair.
    await new Promise((r) => setTimeout(r, 1000));
    const later = await readTrail(stack, id);
    expect(eventsOf(later, 'run.reconciled')).toHaveLength(1);
    expect(eventsOf(later, 'run.planned')).toHaveLength(1);
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
  });

  it('leaves a healthy run alone: nothing is recorded or re-enqueued', async () => {
    const { stack, player } = await start({ env: { OFFBOARD_RECONCILE_INTERVAL_MS: '200' } });
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-OK' });
    await player.click(PEOPLE.alex, 'approve', id);
    await player.evidence(id);
    await new Promise((r) => setTimeout(r, 600));
    const trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'run.reconciled')).toHaveLength(0);
    expect(eventsOf(trail, 'run.planned')).toHaveLength(1);
  });
});

describe('a step job removed from the queue before it ran', () => {
  it('is recorded as failed in the trail by the reconciler, with the reason, and the run still finishes with it red', async () => {
    // One step at a time against a slow IBM Cloud, so the others wait in the queue.
    const { stack, player } = await start({ env: { OFFBOARD_RECONCILE_INTERVAL_MS: '300', OFFBOARD_WORKER_CONCURRENCY: '1' } });
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-GONE' });
    stack.ibm.setLatency(150);
    await player.click(PEOPLE.alex, 'approve', id);
    const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUES.revocations, { connection: redis, prefix: stack.config.redisPrefix });
    try {
      const waiting = await eventually(
        async () => (await queue.getJobs(['waiting'])).find((j) => j.name !== 'ibm-cloud.account-membership'),
        10_000,
        'a waiting step job',
      );
      const step = `${waiting.data.system}.${waiting.data.scope}.${waiting.data.step}`;
      expect(await queue.remove(waiting.id!)).toBe(1);
      stack.ibm.setLatency(0);

      const trail = await finishedTrail(stack, id, { timeoutMs: 20_000 });
      expect(eventsOf(trail, 'step.failed')).toEqual([
        expect.objectContaining({ stepId: step, error: 'its job was removed from the queue before it finished' }),
      ]);
      expect(eventsOf(trail, 'run.reconciled').map((e) => e.action)).toEqual(['step-lost']);
      expect(eventsOf(trail, 'run.finished')[0]).toMatchObject({ outcome: 'failures', failedSteps: [step] });
      // It never ran: nothing of its kind was touched.
      expect(eventsOf(trail, 'step.started').filter((e) => e.stepId === step)).toEqual([]);
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });
});

describe('a request the reconciler cannot read', () => {
  /** Taylor holds nothing in IBM Cloud: the disable phase takes nothing that could be given back. */
  const taylorLeaves: FormAnswers = {
    person: PEOPLE.taylor,
    reason: 'termination_for_cause',
    disposition: 'disable_then_delete',
    graceDays: '30',
    successor: PEOPLE.morgan,
    ticket: 'HR-NONE',
  };
  const janeLeaves: FormAnswers = {
    person: PEOPLE.jane,
    reason: 'resignation',
    disposition: 'disable_then_delete',
    graceDays: '30',
    successor: PEOPLE.taylor,
    ticket: 'HR-LOST',
  };

  async function disabled(started: Awaited<ReturnType<typeof start>>, answers: FormAnswers, store: RequestStore) {
    const { stack, player } = started;
    const id = await player.request(PEOPLE.morgan, answers);
    await player.click(PEOPLE.alex, 'approve', id);
    // A termination for cause takes a second approver (the default approval rules).
    if (answers.reason === 'termination_for_cause') await player.click(PEOPLE.riley, 'approve', id);
    await finishedTrail(stack, id);
    await eventually(async () => (await store.mustGet(id)).status === 'disabled', 10_000, `${id} disabled`);
    await stack.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks ?? []).includes('offboard_reinstate'), { timeoutMs: 20_000 });
    return id;
  }

  /** Removes the job that ends the request's grace period, as a lost job would be. */
  async function loseDeletion(stack: LocalStack, redis: Redis, id: string) {
    const queue = new Queue(QUEUES.runs, { connection: redis, prefix: stack.config.redisPrefix });
    try {
      await (await queue.getJob(`${id}.deletion`))!.remove();
    } finally {
      await queue.close();
    }
  }

  async function deletionState(stack: LocalStack, id: string) {
    const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUES.runs, { connection: redis, prefix: stack.config.redisPrefix });
    try {
      return await (await queue.getJob(`${id}.deletion`))?.getState();
    } finally {
      await queue.close();
      redis.disconnect();
    }
  }

  it('one Reinstate click on a request with nothing to restore cannot stop the repair of another request: its lost deletion is scheduled again', async () => {
    const started = await start({ env: { OFFBOARD_RECONCILE_INTERVAL_MS: '300' } });
    const { stack, player } = started;
    const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
    const store = new RequestStore(redis, new Keys(stack.config.redisPrefix));
    try {
      const taylor = await disabled(started, taylorLeaves, store);
      const jane = await disabled(started, janeLeaves, store);

      await player.checklistButton(PEOPLE.riley, 'reinstate', taylor);
      await loseDeletion(stack, redis, jane);

      await eventually(async () => (await deletionState(stack, jane)) === 'delayed', 10_000, "Jane's deletion scheduled again");
      expect(eventsOf(await readTrail(stack, jane), 'run.reconciled').map((e) => e.action)).toEqual(['deletion-rescheduled']);
      // Taylor's request still reads, still waits for its own deletion.
      expect((await store.mustGet(taylor)).status).toBe('disabled');
      expect(await deletionState(stack, taylor)).toBe('delayed');
    } finally {
      redis.disconnect();
    }
  });

  it("is recorded in its trail, alerted once in the approval channel and counted, then skipped; the pass still re-schedules another request's lost deletion", async () => {
    const started = await start({ env: { OFFBOARD_RECONCILE_INTERVAL_MS: '200' } });
    const { stack } = started;
    const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
    const keys = new Keys(stack.config.redisPrefix);
    const store = new RequestStore(redis, keys);
    try {
      const jane = await disabled(started, janeLeaves, store);
      // A running request whose round was stored as Redis' Lua JSON wrote it: [] became {}.
      const broken = await started.player.request(PEOPLE.morgan, {
        person: PEOPLE.chris,
        reason: 'resignation',
        successor: PEOPLE.taylor,
        ticket: 'HR-BROKEN',
      });
      const raw = JSON.parse((await redis.get(keys.request(broken)))!) as Record<string, unknown>;
      await redis
        .multi()
        .set(keys.request(broken), JSON.stringify({ ...raw, status: 'approved', nextRound: { round: 2, phase: 'reinstate', steps: {}, by: PEOPLE.riley } }))
        .zrem(keys.statusIndex('pending'), broken)
        .zadd(keys.statusIndex('approved'), Date.now(), broken)
        .exec();

      await loseDeletion(stack, redis, jane);

      await eventually(async () => (await deletionState(stack, jane)) === 'delayed', 10_000, "Jane's deletion scheduled again");
      // Several more passes: the unreadable request is told of once.
      await new Promise((r) => setTimeout(r, 1000));
      const recorded = eventsOf(await readTrail(stack, broken), 'run.reconciled');
      expect(recorded).toEqual([expect.objectContaining({ action: 'unreadable', detail: expect.stringContaining('nextRound.steps') })]);
      const alerts = await stack.slack.waitFor(() => {
        const found = stack.slack.messages(APPROVAL_CHANNEL).filter((m) => m.text.includes(`*${broken}* cannot be read`));
        return found.length ? found : undefined;
      });
      expect(alerts).toHaveLength(1);
      expect(alerts[0]!.thread_ts).toBeUndefined();
      const metrics = await stack.bot.metrics.registry.getSingleMetricAsString('offboard_reconciler_actions_total');
      expect(metrics).toContain('action="unreadable"} 1');
      expect(eventsOf(await readTrail(stack, jane), 'run.reconciled').map((e) => e.action)).toEqual(['deletion-rescheduled']);
    } finally {
      redis.disconnect();
    }
  });
});
