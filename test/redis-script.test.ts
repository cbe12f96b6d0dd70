import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { LuaScript } from '../src/redis-script.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  await redis.quit();
});

describe('a Lua script run by its hash', () => {
  it('still runs after Redis has forgotten every script (a restart, SCRIPT FLUSH), and is then known by its hash again', async () => {
    const echo = new LuaScript(`return {KEYS[1], ARGV[1], '${Math.random()}'}`);
    const sha = (echo as unknown as { sha: string }).sha;
    await redis.script('FLUSH');
    expect(await redis.script('EXISTS', sha)).toEqual([0]);

    const [key, arg] = (await echo.run(redis, ['k'], ['a'])) as string[];

    expect([key, arg]).toEqual(['k', 'a']);
    expect(await redis.script('EXISTS', sha)).toEqual([1]);
  });

  it('an error inside the script reaches the caller as it is, and is not run a second time', async () => {
    const counter = `script-test-${Math.random()}`;
    const failing = new LuaScript(`redis.call('INCR', KEYS[1]) return redis.error_reply('refused on purpose')`);

    await expect(failing.run(redis, [counter], [])).rejects.toThrow('refused on purpose');

    expect(await redis.get(counter)).toBe('1');
    await redis.del(counter);
  });
});
