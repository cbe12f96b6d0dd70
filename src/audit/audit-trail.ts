import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redactRecord } from '../redact.js';
import type { Keys } from '../redis.js';
import { LuaScript } from '../redis-script.js';
import { entryHash, genesisHash, type ChainEntry } from './audit-chain.js';
import type { AuditEvent, AuditRecord } from './audit-event.js';

/**
 * Adds an entry only if the trail still ends where the caller computed its link from, and moves
 * the head (hash and length, kept beside the stream) with it. Two appends racing each other
 * cannot both link to the same entry: the loser is told the new head and links again. The same
 * call sent again after a connection drop lost its answer (ARGV[6] names the call, and the head
 * remembers the last one) is not added twice; and a fact (KEYS[3], field ARGV[7]) is added by its
 * first writer only.
 */
const APPEND_LINKED = new LuaScript(`
local head = redis.call('HGET', KEYS[2], 'hash')
if not head then head = ARGV[1] end
if head == ARGV[5] and redis.call('HGET', KEYS[2], 'call') == ARGV[6] then
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  return {1, last[1][1]}
end
if KEYS[3] then
  local seen = redis.call('HGET', KEYS[3], ARGV[7])
  if seen then return {2, seen} end
end
if head ~= ARGV[2] then return {0, head} end
local id = redis.call('XADD', KEYS[1], '*', 'at', ARGV[3], 'event', ARGV[4], 'prev', ARGV[2], 'hash', ARGV[5])
redis.call('HSET', KEYS[2], 'hash', ARGV[5], 'call', ARGV[6])
redis.call('HINCRBY', KEYS[2], 'length', 1)
if KEYS[3] then redis.call('HSET', KEYS[3], ARGV[7], id) end
return {1, id}
`);

/**
 * A trail's first entry, written by the script that creates what the trail is about, so that the
 * two exist together or not at all: the stream key and head key, then at, event, prev and hash.
 */
export interface TrailStart {
  keys: [trail: string, head: string];
  args: [at: string, event: string, prev: string, hash: string];
}

/** Lua writing a TrailStart found at KEYS[k], KEYS[k+1] and ARGV[a]..ARGV[a+3], laid out as APPEND_LINKED writes entries. */
export function startTrailLua(k: number, a: number): string {
  return `
redis.call('XADD', KEYS[${k}], '*', 'at', ARGV[${a}], 'event', ARGV[${a + 1}], 'prev', ARGV[${a + 2}], 'hash', ARGV[${a + 3}])
redis.call('HSET', KEYS[${k + 1}], 'hash', ARGV[${a + 3}], 'length', 1)
`;
}

/** Far more than any real contention (a handful of workers on one request); a bound, not a budget. */
const MAX_LINK_ATTEMPTS = 100;

/** The chain as stored, and the head recorded beside it. */
export interface StoredChain {
  entries: ChainEntry[];
  head?: { head: string; length: number };
}

/**
 * Append-only trail per request, kept in a Redis stream and hash-chained (see audit-chain.ts):
 * entries are never edited or deleted, and an edit made behind the bot's back is found by
 * `npm run verify`.
 */
export class AuditTrail {
  /** Per trail, the last append this process has under way: the next one waits for it. */
  private readonly appending = new Map<string, Promise<void>>();
  /** The trails read so far, least recently read first, and how many records they hold in all. */
  private readonly tails = new Map<string, Tail>();
  private kept = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Free text in an event (errors from target systems, reasons, notes) is masked before it is kept;
   * identifiers are kept whole, since the trail is the only place they are kept at all.
   */
  async append(requestId: string, event: AuditEvent): Promise<AuditRecord> {
    return (await this.write(requestId, event))!;
  }

  /**
   * Appends a fact that must be stated once however often a job runs (a step verified in a round):
   * `fact` names it, and the first writer wins, in the same Redis step as the append. Undefined
   * when it was already recorded.
   */
  async appendOnce(requestId: string, fact: string, event: AuditEvent): Promise<AuditRecord | undefined> {
    return this.write(requestId, event, fact);
  }

  private write(requestId: string, event: AuditEvent, fact?: string): Promise<AuditRecord | undefined> {
    const at = this.now().toISOString();
    const masked = redactRecord(event);
    const json = JSON.stringify(masked);
    // The hash covers the event as it will be read back, so it is computed from the stored text.
    const stored = JSON.parse(json) as Record<string, unknown>;
    // This process's appends to one trail go one after another. Racing each other they mostly lost
    // (the head moved under them) and linked, hashed and sent again: with a person's steps at once,
    // six attempts per entry. Other processes' appends are still raced, and linked again below.
    const turn = this.appending.get(requestId);
    const mine = (turn ?? Promise.resolve()).then(() => this.link(requestId, at, masked, json, stored, fact));
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    this.appending.set(requestId, settled);
    void settled.then(() => {
      if (this.appending.get(requestId) === settled) this.appending.delete(requestId);
    });
    return mine;
  }

  /** Links the entry to the trail's head, and again to the new head as long as other appends move it. */
  private async link(
    requestId: string,
    at: string,
    masked: AuditEvent,
    json: string,
    stored: Record<string, unknown>,
    fact: string | undefined,
  ): Promise<AuditRecord | undefined> {
    const genesis = genesisHash(requestId);
    let prev = (await this.redis.hget(this.headKey(requestId), 'hash')) ?? genesis;
    const call = randomUUID();
    for (let attempt = 0; attempt < MAX_LINK_ATTEMPTS; attempt++) {
      const hash = entryHash(prev, at, stored);
      const keys = [this.keys.audit(requestId), this.headKey(requestId), ...(fact ? [`${this.keys.audit(requestId)}:facts`] : [])];
      const [linked, value] = (await APPEND_LINKED.run(this.redis, keys, [genesis, prev, at, json, hash, call, ...(fact ? [fact] : [])])) as [number, string];
      if (linked === 1) return { ...masked, seq: value, at };
      if (linked === 2) return undefined;
      prev = value;
    }
    throw new Error(`could not append to the audit trail of ${requestId}: it kept moving under ${MAX_LINK_ATTEMPTS} attempts`);
  }

  /**
   * The first entry of a trail that does not exist yet, masked and linked as `append` would, for a
   * script to write with startTrailLua in the same step as whatever the trail is about.
   */
  start(requestId: string, event: AuditEvent): TrailStart {
    const at = this.now().toISOString();
    const json = JSON.stringify(redactRecord(event));
    const prev = genesisHash(requestId);
    return { keys: [this.keys.audit(requestId), this.headKey(requestId)], args: [at, json, prev, entryHash(prev, at, JSON.parse(json))] };
  }

  /**
   * The trail's records, in order, for deciding what a run does next. A trail this process read
   * before is read on from where that read ended: a step job reads its request's trail at every
   * execution, and reading and parsing all of it each time cost a bulk run more CPU than anything
   * else the bot does between its calls. The part already read is taken as it was, since entries
   * are only ever added: an edit behind the bot's back is for `chain()` to find (the checklist and
   * the evidence verify the whole chain), and a trail that did not grow from where it ended (fewer
   * entries than read, or a new entry not linked to the last one read) is read again whole.
   * The records are shared between callers and frozen.
   */
  async read(requestId: string): Promise<AuditRecord[]> {
    const known = this.tails.get(requestId);
    if (!known) return [...this.keep(requestId, (await this.readFrom(requestId)).map(recordOf), undefined)];
    // Oldest first: a trail read again moves to the end, the least recently read is dropped first.
    this.tails.delete(requestId);
    this.tails.set(requestId, known);
    const [added, length] = await Promise.all([this.readFrom(requestId, nextSeq(known.seq)), this.redis.xlen(this.keys.audit(requestId))]);
    const grown = length === known.records.length + added.length && (!added.length || added[0]!.prev === known.hash);
    if (!grown) {
      this.forget(requestId);
      return this.read(requestId);
    }
    return [...this.keep(requestId, added.map(recordOf), known)];
  }

  /** The entries with their links, for the evidence pack and for verification: always all of them, as stored now. */
  async chain(requestId: string): Promise<StoredChain> {
    const [entries, head] = await Promise.all([this.readFrom(requestId), this.redis.hgetall(this.headKey(requestId))]);
    return {
      entries,
      ...(head.hash ? { head: { head: head.hash, length: Number(head.length ?? 0) } } : {}),
    };
  }

  /** The stored entries from stream id `from` on (all of them by default). */
  private async readFrom(requestId: string, from = '-'): Promise<ChainEntry[]> {
    const entries = await this.redis.xrange(this.keys.audit(requestId), from, '+');
    return entries.map(([seq, fields]) => {
      const f = Object.fromEntries(pairs(fields));
      return { seq, at: f.at ?? '', event: JSON.parse(f.event ?? '{}') as Record<string, unknown>, prev: f.prev ?? '', hash: f.hash ?? '' };
    });
  }

  /** Remembers the trail read so far (`known` and what followed it), within the bound on records kept. */
  private keep(requestId: string, added: { record: AuditRecord; hash: string }[], known: Tail | undefined): readonly AuditRecord[] {
    const last = added.at(-1);
    if (!last) return known?.records ?? [];
    const records = [...(known?.records ?? []), ...added.map((a) => deepFreeze(a.record))];
    const current = this.tails.get(requestId);
    // Two reads of one trail at once: the one that read further is kept.
    if (!current || compareSeq(current.seq, last.record.seq) < 0) {
      this.kept += records.length - (current?.records.length ?? 0);
      this.tails.delete(requestId);
      this.tails.set(requestId, { records, seq: last.record.seq, hash: last.hash });
      for (const id of this.tails.keys()) {
        if (this.kept <= MAX_KEPT_RECORDS || id === requestId) break;
        this.forget(id);
      }
    }
    return records;
  }

  private forget(requestId: string): void {
    this.kept -= this.tails.get(requestId)?.records.length ?? 0;
    this.tails.delete(requestId);
  }

  private headKey(requestId: string): string {
    return `${this.keys.audit(requestId)}:head`;
  }
}

/** A trail as this process last read it: its records and the stream id and hash of the last one. */
interface Tail {
  records: readonly AuditRecord[];
  seq: string;
  hash: string;
}

/**
 * The records kept of trails read before, across requests: about 60 people's runs (one is about 80
 * entries, 700 bytes each once parsed), some 3.5 MB of heap, enough for the requests whose steps
 * a worker runs at once.
 */
const MAX_KEPT_RECORDS = 5_000;

const recordOf = (e: ChainEntry): { record: AuditRecord; hash: string } => ({ record: { ...(e.event as AuditEvent), seq: e.seq, at: e.at }, hash: e.hash });

/** The first stream id after `seq` ("<ms>-<n>"), for XRANGE from it on (Redis before 6.2 has no exclusive ranges). */
function nextSeq(seq: string): string {
  const [ms, n] = seq.split('-');
  return `${ms}-${BigInt(n ?? '0') + 1n}`;
}

/** Orders stream ids ("<ms>-<n>") as Redis does. */
function compareSeq(a: string, b: string): number {
  const [am, an] = a.split('-').map(BigInt);
  const [bm, bn] = b.split('-').map(BigInt);
  return am! !== bm! ? (am! < bm! ? -1 : 1) : an! === bn! ? 0 : an! < bn! ? -1 : 1;
}

/** Records are shared by every caller of `read`: none may change what another one sees. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function* pairs(flat: string[]): Generator<[string, string]> {
  for (let i = 0; i + 1 < flat.length; i += 2) yield [flat[i]!, flat[i + 1]!];
}
