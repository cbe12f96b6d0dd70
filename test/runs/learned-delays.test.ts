import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { RedisLearnedDelays } from '../../src/runs/learned-delays-store.js';
import { ReadBackDelays, type LearnedDelaysStore } from '../../src/runs/read-back-delays.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  await redis.quit();
});

const freshKey = () => `test-${randomBytes(4).toString('hex')}:read-back-delays`;
/** One worker process's delays, keeping what it learns under `key`. */
const worker = (key: string, onStoreError?: (err: Error) => void) => new ReadBackDelays(undefined, new RedisLearnedDelays(redis, key), onStoreError);
const settled = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('how long a system takes to show a change, shared by the worker processes through Redis', () => {
  it('a worker started after another learned it reads back at that time from its first change, not at once', async () => {
    const key = freshKey();
    const first = worker(key);
    await first.adopt();
    first.confirmed('ibm-cloud', 520, { waited: false, missedAfterMs: 480 });
    await settled();

    const started = worker(key);
    expect(started.expected('ibm-cloud')).toBeUndefined();
    await started.adopt();
    expect(started.expected('ibm-cloud')).toBe(500);
    expect(started.expected('slack')).toBeUndefined();
  });

  it('a worker that learned a system itself keeps its own time when another kept a different one', async () => {
    const key = freshKey();
    const a = worker(key);
    const b = worker(key);
    b.confirmed('ibm-cloud', 900, { waited: false });
    a.confirmed('ibm-cloud', 500, { waited: false });
    await settled();
    await b.adopt();
    expect(b.expected('ibm-cloud')).toBe(900);
    expect(await redis.hget(key, 'ibm-cloud')).toBe('500');
    expect(await redis.ttl(key)).toBeGreaterThan(0);
  });

  it('a worker asked about a system it does not know looks at what the others kept, without waiting for it, and not again for a while', async () => {
    const key = freshKey();
    const idle = worker(key);
    const busy = worker(key);
    busy.confirmed('scim', 300, { waited: false });
    await settled();
    // Asked now, it answers at once with what it knows (nothing) and looks in the background.
    expect(idle.expected('scim')).toBeUndefined();
    await settled();
    expect(idle.expected('scim')).toBe(300);
    // Its look was moments ago: what was kept since waits for the next.
    busy.confirmed('ibm-cloud', 500, { waited: false });
    await settled();
    expect(idle.expected('ibm-cloud')).toBeUndefined();
    await settled();
    expect(idle.expected('ibm-cloud')).toBeUndefined();
  });

  it('a store that cannot be read or written is told and changes nothing the worker learns itself', async () => {
    const errors: string[] = [];
    const broken: LearnedDelaysStore = {
      all: () => Promise.reject(new Error('connection is closed')),
      keep: () => Promise.reject(new Error('connection is closed')),
    };
    const delays = new ReadBackDelays(undefined, broken, (err) => errors.push(err.message));
    await delays.adopt();
    expect(delays.expected('ibm-cloud')).toBeUndefined();
    delays.confirmed('ibm-cloud', 600, { waited: false });
    await settled();
    expect(delays.expected('ibm-cloud')).toBe(600);
    expect(errors).toEqual(['connection is closed', 'connection is closed']);
  });

  it('what is kept that is no number of milliseconds is left out', async () => {
    const key = freshKey();
    await redis.hset(key, 'ibm-cloud', 'soon', 'slack', '-5', 'scim', '250');
    const delays = worker(key);
    await delays.adopt();
    expect(delays.expected('ibm-cloud')).toBeUndefined();
    expect(delays.expected('slack')).toBeUndefined();
    expect(delays.expected('scim')).toBe(250);
  });
});
