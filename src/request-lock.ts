import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Keys } from './redis.js';
import { LuaScript } from './redis-script.js';

const TTL_MS = 15_000;
const RELEASE = new LuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`);

/**
 * Serialises read-render-write of one Slack message per request, across processes: whoever holds
 * the lock reads the latest state, so a render that started earlier can never land after, and
 * over, one that saw more.
 */
export class RequestLock {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async with<T>(kind: string, requestId: string, fn: () => Promise<T>): Promise<T> {
    const key = this.keys.lock(kind, requestId);
    const token = randomUUID();
    const deadline = Date.now() + TTL_MS;
    while ((await this.redis.set(key, token, 'PX', TTL_MS, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error(`${kind} lock for ${requestId} still held after ${TTL_MS} ms`);
      await sleep(20);
    }
    try {
      return await fn();
    } finally {
      await RELEASE.run(this.redis, [key], [token]);
    }
  }
}
