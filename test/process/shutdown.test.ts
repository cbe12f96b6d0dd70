import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { startLocalStack } from '../../app/demo/local-stack.js';
import { SlackPlayer } from '../../app/demo/slack-player.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { createLogger } from '../../src/logger.js';
import { startOffboardBot } from '../../app/offboard-bot.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { Keys } from '../../src/redis.js';

/** The trail once its run has finished (after a restart), or an error after `timeoutMs`. */
async function untilRunFinished(trail: AuditTrail, id: string, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const events = await trail.read(id);
    if (events.some((e) => e.type === 'run.finished')) return events;
    if (Date.now() > end) throw new Error('the run did not finish after the restart');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('graceful shutdown', () => {
  it('stops promptly while steps wait for IAM to show their changes, and a bot started later verifies every one of them', async () => {
    const redisUrl = inject('redisUrl');
    const stack = await startLocalStack({ redisUrl, ibm: { consistencyDelayMs: 1500 } });
    const redis = new Redis(redisUrl);
    const trail = new AuditTrail(redis, new Keys(stack.config.redisPrefix));
    let restarted: Awaited<ReturnType<typeof startOffboardBot>> | undefined;
    try {
      const player = new SlackPlayer(stack);
      const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-5' });
      await player.click(PEOPLE.alex, 'approve', id);
      // Wait until some step has acted and is waiting for IAM to show the change.
      const deadline = Date.now() + 10_000;
      while (!(await trail.read(id)).some((e) => e.type === 'step.acted')) {
        if (Date.now() > deadline) throw new Error('no step acted');
        await new Promise((r) => setTimeout(r, 20));
      }
      // Waiting for read-backs is a delayed job, not a busy worker: stopping does not wait it out.
      const stopping = Date.now();
      await stack.bot.stop();
      expect(Date.now() - stopping).toBeLessThan(1500);
      const atStop = await trail.read(id);
      expect(atStop.some((e) => e.type === 'run.finished')).toBe(false);

      restarted = await startOffboardBot(stack.config, { logger: createLogger('silent') });
      const events = await untilRunFinished(trail, id, 20_000);
      const acted = new Set(events.filter((e) => e.type === 'step.acted').map((e) => ('stepId' in e ? e.stepId : '')));
      const verified = new Set(events.filter((e) => e.type === 'step.verified').map((e) => ('stepId' in e ? e.stepId : '')));
      expect(acted.size).toBeGreaterThan(0);
      for (const step of acted) expect(verified.has(step), step).toBe(true);
      // Nothing was done twice: each acting step set out on its items once.
      const acting = events.filter((e) => e.type === 'step.acting').map((e) => ('stepId' in e ? e.stepId : ''));
      expect(new Set(acting).size).toBe(acting.length);
    } finally {
      await restarted?.stop();
      redis.disconnect();
      await Promise.all([stack.slack.close(), stack.ibm.close()]);
    }
  });

  it('a stop held up by a job that does not finish leaves it after OFFBOARD_SHUTDOWN_TIMEOUT_MS, saying so, and a bot started later finishes the run', async () => {
    const redisUrl = inject('redisUrl');
    const lines: string[] = [];
    const logger = createLogger('warn', { write: (line: string) => void lines.push(line) });
    const env = { OFFBOARD_SHUTDOWN_TIMEOUT_MS: '1000', OFFBOARD_JOB_LOCK_MS: '2000' };
    const stack = await startLocalStack({ redisUrl, env, logger });
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const trail = new AuditTrail(redis, new Keys(stack.config.redisPrefix));
    // Identification can answer from the preview's listings without a call, so the job that is busy
    // when the stop comes is a step: its first IBM call takes 4 s.
    const steps = new Queue(QUEUES.revocations, { connection: redis, prefix: stack.config.redisPrefix });
    let restarted: Awaited<ReturnType<typeof startOffboardBot>> | undefined;
    try {
      const player = new SlackPlayer(stack);
      const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-6' });
      // Every IBM call now takes 4 s: a step is busy when the stop comes.
      stack.ibm.setLatency(4_000);
      await player.click(PEOPLE.alex, 'approve', id);
      const deadline = Date.now() + 10_000;
      while ((await steps.getJobCounts('active')).active === 0) {
        if (Date.now() > deadline) throw new Error('no step job became active');
        await new Promise((r) => setTimeout(r, 20));
      }

      const stopping = Date.now();
      await stack.bot.stop();

      expect(Date.now() - stopping).toBeLessThan(2_000);
      expect(lines.join('')).toContain('OFFBOARD_SHUTDOWN_TIMEOUT_MS');
      expect((await trail.read(id)).some((e) => e.type === 'run.finished')).toBe(false);

      stack.ibm.setLatency(0);
      restarted = await startOffboardBot(stack.config, { logger: createLogger('silent') });
      const events = await untilRunFinished(trail, id, 30_000);
      expect(events.find((e) => e.type === 'run.finished')).toMatchObject(VERIFIED_BUT_STAGING);
    } finally {
      await restarted?.stop();
      await steps.close();
      redis.disconnect();
      await Promise.all([stack.slack.close(), stack.ibm.close()]);
    }
  });
});
