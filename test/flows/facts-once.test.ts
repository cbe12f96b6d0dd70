import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { PEOPLE } from '../../app/demo/workspace.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { stepJobId } from '../../src/runs/run-flow.js';
import { ACME_PRODUCTION } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, eventually, finishedTrail, readTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const KEYS_STEP = `ibm-cloud.${ACME_PRODUCTION}.api-keys`;

describe('a step job that runs again after its step ended', () => {
  it.each([
    ['as it ended, its read-back state included (a stall after a Redis outage)', true],
    ['as it was first queued, before any read-back state (an execution stalled before it stored its own)', false],
  ])(
    'records nothing new when handed to a worker again %s: verified once in its round, IBM Cloud not asked to change anything again',
    async (_how, withReadBack) => {
      const { stack, player } = await start();
      const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-TWICE' });
      await player.click(PEOPLE.alex, 'approve', id);
      const before = await finishedTrail(stack, id, { timeoutMs: 20_000 });
      expect(eventsOf(before, 'step.verified').filter((e) => e.stepId === KEYS_STEP)).toHaveLength(1);
      const calls = stack.ibm.requests.length;

      const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
      const queue = new Queue(QUEUES.revocations, { connection: redis, prefix: stack.config.redisPrefix });
      try {
        // The same job handed to a worker again, with its data as it ended or as it was first queued.
        const done = (await queue.getJob(stepJobId(id, 1, KEYS_STEP)))!;
        expect(await done.getState()).toBe('completed');
        const { verify, ...queued } = done.data as { verify?: unknown };
        expect(verify).toBeDefined();
        const again = await queue.add(done.name, withReadBack ? done.data : queued, { jobId: `${done.id}-again`, attempts: 1 });
        await eventually(async () => (await again.getState()) === 'completed', 15_000, 'the job run again');

        const after = await readTrail(stack, id);
        expect(eventsOf(after, 'step.verified').filter((e) => e.stepId === KEYS_STEP)).toHaveLength(1);
        expect(after.slice(before.length).filter((e) => 'stepId' in e && e.stepId === KEYS_STEP)).toEqual([]);
        expect(stack.ibm.requests.slice(calls).filter((r) => r.method !== 'GET' && !r.path.startsWith('/identity/token'))).toEqual([]);
      } finally {
        await queue.close();
        redis.disconnect();
      }
    },
  );
});
