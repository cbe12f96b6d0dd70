import type { Redis } from 'ioredis';
import type { LearnedDelaysStore } from './read-back-delays.js';

/** How long what the workers learned is kept after it last changed: a bot idle for longer learns again. */
const KEEP_SECONDS = 7 * 24 * 3600;

/** ReadBackDelays' store: one Redis hash of system → ms, shared by every worker process on the prefix. */
export class RedisLearnedDelays implements LearnedDelaysStore {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  async all(): Promise<Record<string, number>> {
    const kept = await this.redis.hgetall(this.key);
    return Object.fromEntries(Object.entries(kept).map(([system, ms]) => [system, Number(ms)]));
  }

  async keep(system: string, ms: number): Promise<void> {
    await this.redis.hset(this.key, system, String(ms));
    await this.redis.expire(this.key, KEEP_SECONDS);
  }
}
