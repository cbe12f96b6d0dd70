import { entryHash, genesisHash, type ChainEntry } from './audit-chain.js';

/** How a trail broke, named for the first entry where it does. */
export type ChainBreak = 'changed' | 'removed' | 'inserted' | 'reordered';

export type ChainVerdict =
  | { intact: true; entries: number; head: string }
  | {
      intact: false;
      kind: ChainBreak;
      /** Position (0-based) of the first entry that breaks, in the order given. */
      index: number;
      /** That entry's stream id, or the last intact one's when entries are missing at the end. */
      seq: string;
      detail: string;
    };

/**
 * Recomputes the chain (from the entry after `known`, when the caller knows that far to be intact). An entry whose content no longer gives its hash was changed; one whose link
 * points at no entry follows a removed one; one that the next entry skips over was inserted; one
 * that links to an entry further on was moved. `expected` (the head and length recorded beside the
 * stream, or signed in a manifest) catches entries cut from the end, which no link can show.
 */
export function verifyChain(
  requestId: string,
  entries: readonly ChainEntry[],
  expected?: { head: string; length: number },
  known?: { entries: number; head: string },
): ChainVerdict {
  const hashes = new Map(entries.map((e, i) => [e.hash, i]));
  // `known`: the first entries are, unchanged, ones found intact before and ending at `head`; the rest is checked as ever.
  let prev = known ? known.head : genesisHash(requestId);
  for (let i = known?.entries ?? 0; i < entries.length; i++) {
    const e = entries[i]!;
    const broken = (kind: ChainBreak, detail: string): ChainVerdict => ({ intact: false, kind, index: i, seq: e.seq, detail });
    if (e.prev !== prev) {
      const beforePrevious = i >= 2 ? entries[i - 2]!.hash : i === 1 ? genesisHash(requestId) : undefined;
      if (e.prev === beforePrevious) {
        const inserted = entries[i - 1]!;
        return {
          intact: false,
          kind: 'inserted',
          index: i - 1,
          seq: inserted.seq,
          detail: `entry ${inserted.seq} was inserted: the entry after it links past it`,
        };
      }
      const target = hashes.get(e.prev);
      if (target !== undefined && target > i) return broken('reordered', `entry ${e.seq} links to an entry recorded after it`);
      if (entries[i + 1]?.prev === prev) return broken('inserted', `entry ${e.seq} was inserted: the entry after it links past it`);
      if (target !== undefined) return broken('reordered', `entry ${e.seq} links to an earlier entry than the one before it`);
      return broken('removed', `an entry before ${e.seq} is missing: its link matches no entry in the trail`);
    }
    if (entryHash(e.prev, e.at, e.event) !== e.hash) return broken('changed', `entry ${e.seq} (${String(e.event.type)}) was changed after it was recorded`);
    prev = e.hash;
  }
  if (expected && (expected.length !== entries.length || expected.head !== prev)) {
    const last = entries.at(-1);
    if (expected.length > entries.length) {
      return {
        intact: false,
        kind: 'removed',
        index: entries.length,
        seq: last?.seq ?? '',
        detail: `${expected.length - entries.length} entry(ies) missing from the end of the trail`,
      };
    }
    return {
      intact: false,
      kind: 'changed',
      index: Math.max(0, entries.length - 1),
      seq: last?.seq ?? '',
      detail: 'the trail does not end at the recorded head',
    };
  }
  return { intact: true, entries: entries.length, head: prev };
}
