import type { Redis } from 'ioredis';

/** Resolves to undefined when ready, else the reason in a few words. */
export type Readiness = () => Promise<string | undefined>;

export interface ReadinessOptions {
  redis: Redis;
  /** This process's workers once started, when it runs any (OFFBOARD_ROLE all or worker). */
  workers?: () => { running(): boolean } | undefined;
  /** How long Redis has to answer PING. */
  timeoutMs?: number;
}

/**
 * Ready means: Redis answers PING promptly and, in a worker process, every worker is taking jobs.
 * The connection queues commands while Redis is away, so the PING is raced against a timeout.
 */
export function readiness({ redis, workers, timeoutMs = 1_000 }: ReadinessOptions): Readiness {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`Redis did not answer PING within ${timeoutMs} ms`), timeoutMs);
    });
    const ping = redis.ping().then(
      () => undefined,
      (err: Error) => `Redis PING failed: ${err.message}`,
    );
    const redisProblem = await Promise.race([ping, late]).finally(() => clearTimeout(timer));
    if (redisProblem) return redisProblem;
    if (!workers) return undefined;
    const started = workers();
    if (!started) return 'workers not started';
    return started.running() ? undefined : 'workers not running (closing or closed)';
  };
}
