import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * BullMQ workers block on Redis, so the connection must never give up on a request. ioredis
 * reports every failed reconnect; the log gets each distinct error once.
 */
export function createRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
  let last = '';
  redis.on('error', (err: Error) => {
    if (err.message !== last) logger.warn({ err: err.message }, 'Redis connection error; reconnecting');
    last = err.message;
  });
  redis.on('ready', () => {
    last = '';
  });
  return redis;
}

export class Keys {
  constructor(readonly prefix: string) {}
  request(id: string) {
    return `${this.prefix}:request:${id}`;
  }
  requestIndex() {
    return `${this.prefix}:requests`;
  }
  audit(id: string) {
    return `${this.prefix}:audit:${id}`;
  }
  lock(kind: string, id: string) {
    return `${this.prefix}:lock:${kind}:${id}`;
  }
}
