import type { Redis } from 'ioredis';
import { canonicalJson, entryHash, sha256Hex } from '../../../audit/audit-chain.js';
import { LuaScript } from '../../../redis-script.js';
import { redactRecord } from '../../../redact.js';
import { targetKey } from './sweep-items.js';

/** A key or service ID disabled or enabled from a digest, confirmed by reading IAM back. */
export interface SweepEvent {
  action: 'disabled' | 'enabled';
  /** The approver's Slack user id. */
  actor: string;
  account: string;
  kind: 'user-apikey' | 'serviceid-apikey' | 'serviceid';
  id: string;
  name: string;
  /** The API keys this changed (a service ID's are its keys); empty when each already was so. */
  keys: string[];
}

export type SweepRecord = SweepEvent & { seq: string; at: string; prev: string; hash: string };

const CHAIN = 'offboard-sweep-chain/v1';

/** Links the entry to the head it read and moves the head, in one step: two writers cannot fork the chain. */
const APPEND = new LuaScript(`
local head = redis.call('GET', KEYS[2])
if not head then head = ARGV[1] end
if head ~= ARGV[2] then return {0, head} end
local id = redis.call('XADD', KEYS[1], '*', 'at', ARGV[3], 'event', ARGV[4], 'prev', ARGV[2], 'hash', ARGV[5])
redis.call('SET', KEYS[2], ARGV[5])
return {1, id}
`);

/**
 * The sweep's own audit trail: who disabled or enabled which key or service ID from a digest, and
 * which API keys that changed. Append-only and hash-chained like a request's trail (an entry edited,
 * removed or moved breaks every link after it); Enable gives back exactly what the last Disable of
 * the same target took.
 */
export class SweepTrail {
  constructor(
    private readonly redis: Redis,
    /** A key of the sweep's own (sweepKey). */
    private readonly key: (part: string) => string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async append(event: SweepEvent): Promise<SweepRecord> {
    const at = this.now().toISOString();
    const json = JSON.stringify(redactRecord(event));
    const stored = JSON.parse(json) as SweepEvent;
    const genesis = sha256Hex(canonicalJson({ chain: CHAIN }));
    let prev = (await this.redis.get(this.key('trail:head'))) ?? genesis;
    for (let attempt = 0; attempt < 100; attempt++) {
      const hash = entryHash(prev, at, stored);
      const [linked, value] = (await APPEND.run(this.redis, [this.key('trail'), this.key('trail:head')], [genesis, prev, at, json, hash])) as [number, string];
      if (linked === 1) return { ...stored, seq: value, at, prev, hash };
      prev = value;
    }
    throw new Error('could not append to the sweep trail: it kept moving under 100 attempts');
  }

  async read(): Promise<SweepRecord[]> {
    const entries = await this.redis.xrange(this.key('trail'), '-', '+');
    return entries.map(([seq, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      return { ...(JSON.parse(f.event ?? '{}') as SweepEvent), seq, at: f.at ?? '', prev: f.prev ?? '', hash: f.hash ?? '' };
    });
  }

  /** Every target whose last entry is a Disable, with who disabled it. */
  async disabled(): Promise<Map<string, string>> {
    const last = new Map<string, SweepRecord>();
    for (const r of await this.read()) last.set(targetKey(r.kind, r.id), r);
    return new Map([...last].filter(([, r]) => r.action === 'disabled').map(([k, r]) => [k, r.actor]));
  }

  /** The last Disable of this target, if it is still the last entry about it: what Enable gives back. */
  async lastDisable(kind: string, id: string): Promise<SweepRecord | undefined> {
    const about = (await this.read()).filter((r) => r.kind === kind && r.id === id);
    const last = about.at(-1);
    return last?.action === 'disabled' ? last : undefined;
  }
}
