import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';

/**
 * A test's own handle on the bot's queues, to see what is queued: `queueOf(stack, QUEUES.x)`, each
 * on its own connection, closed after each test.
 */
export function useQueues() {
  const open: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    while (open.length) await open.pop()!();
  });
  return (stack: LocalStack, name: string): Queue => {
    const connection = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(name, { connection, prefix: stack.config.redisPrefix });
    open.push(async () => {
      await queue.close();
      await connection.quit();
    });
    return queue;
  };
}

/** Whether nothing is queued at all, in any state. */
export const queueIsEmpty = async (queue: Queue): Promise<boolean> => Object.values(await queue.getJobCounts()).every((n) => n === 0);
