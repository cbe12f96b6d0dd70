import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/**
 * The audit trail is the evidence, and it lives only in Redis: a Redis without persistence loses
 * it on restart. Managed Redis services often refuse CONFIG, so INFO decides and CONFIG only adds.
 */
export async function warnWithoutPersistence(redis: Redis, logger: Logger): Promise<void> {
  const info = await redis.info('persistence');
  const aof = /^aof_enabled:1/m.test(info);
  const save = await redis
    .call('CONFIG', 'GET', 'save')
    .then((r) => String((r as string[])[1] ?? ''))
    .catch(() => undefined);
  if (aof) return;
  if (save) {
    logger.warn(
      { save },
      'Redis has no AOF: a crash loses the audit entries written since the last RDB snapshot. Set appendonly yes with appendfsync everysec (see docs/operations.md, Redis)',
    );
    return;
  }
  logger.warn(
    save === undefined
      ? 'Redis has no AOF and its RDB settings cannot be read: unless it persists another way, a restart loses every audit trail. Set appendonly yes (see docs/operations.md, Redis)'
      : 'Redis has no persistence (no AOF, no RDB snapshots): a restart loses every audit trail. Set appendonly yes with appendfsync everysec (see docs/operations.md, Redis)',
  );
}
