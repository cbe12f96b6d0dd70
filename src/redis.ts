import { Redis } from 'ioredis';

/** BullMQ workers block on Redis, so the connection must never give up on a request. */
export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
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
  checklistLock(id: string) {
    return `${this.prefix}:lock:checklist:${id}`;
  }
}
