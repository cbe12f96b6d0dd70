import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { PEOPLE } from '../../src/demo/workspace.js';
import { createLogger } from '../../src/logger.js';
import { startOffboardBot } from '../../src/offboard-bot.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { Keys } from '../../src/redis.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { ACME_PRODUCTION, ACME_STAGING, JANE_EMAIL } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, eventually, finishedTrail, queueSnapshot, readTrail } from '../support/approval-helpers.js';
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
      expect(eventsOf(trail, 'run.finished')[0]!.outcome).toBe('verified');
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
      expect(eventsOf(trail, 'run.finished')[1]).toMatchObject({ round: 2, outcome: 'verified' });
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
    expect(eventsOf(trail, 'run.finished')[0]!.outcome).toBe('verified');
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
      const waiting = await eventually(async () => (await queue.getJobs(['waiting'])).find((j) => j.name !== 'ibm-cloud.account-membership'), 10_000, 'a waiting step job');
      const step = `${waiting.data.system}.${waiting.data.scope}.${waiting.data.step}`;
      expect(await queue.remove(waiting.id!)).toBe(1);
      stack.ibm.setLatency(0);

      const trail = await finishedTrail(stack, id, { timeoutMs: 20_000 });
      expect(eventsOf(trail, 'step.failed')).toEqual([expect.objectContaining({ stepId: step, error: 'its job was removed from the queue before it finished' })]);
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
