import type { Redis } from 'ioredis';
import { redactDeep } from '../redact.js';
import type { Keys } from '../redis.js';
import type { AuditEvent, AuditRecord } from './audit-event.js';

/**
 * Append-only trail per request, kept in a Redis stream: entries are never edited or deleted,
 * and the stream id gives a total order even for events written in the same millisecond.
 */
export class AuditTrail {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Free text in an event (errors from target systems, reasons, notes) is masked before it is kept. */
  async append(requestId: string, event: AuditEvent): Promise<AuditRecord> {
    const at = this.now().toISOString();
    const masked = redactDeep(event);
    const seq = await this.redis.xadd(this.keys.audit(requestId), '*', 'at', at, 'event', JSON.stringify(masked));
    return { ...masked, seq: seq ?? '', at };
  }

  async read(requestId: string): Promise<AuditRecord[]> {
    const entries = await this.redis.xrange(this.keys.audit(requestId), '-', '+');
    return entries.map(([seq, fields]) => {
      const f = Object.fromEntries(pairs(fields));
      return { ...(JSON.parse(f.event ?? '{}') as AuditEvent), seq, at: f.at ?? '' };
    });
  }
}

function* pairs(flat: string[]): Generator<[string, string]> {
  for (let i = 0; i + 1 < flat.length; i += 2) yield [flat[i]!, flat[i + 1]!];
}
