import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startLocalRedis } from '../../src/simulators/local-redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/**
 * Tests run against a real Redis: REDIS_URL when set, otherwise a throwaway redis-server.
 * Every test isolates itself with its own key prefix, so files can run in parallel.
 */
export default async function setup(project: TestProject) {
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return;
  }
  const redis = await startLocalRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
