import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The hash chain over a request's trail. Each entry commits to the previous entry's hash, the
 * first to the request id, so an entry changed, removed, inserted or moved breaks every link after
 * it. Hashes are SHA-256 over RFC 8785 canonical JSON, which any language can recompute.
 */
export const CHAIN_VERSION = 'offboard-audit-chain/v1';

/** One entry as stored and exported: the event exactly as kept, with its links. */
export interface ChainEntry {
  /** The Redis stream id: orders entries, even within one millisecond. */
  seq: string;
  at: string;
  event: Record<string, unknown>;
  prev: string;
  hash: string;
}

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('cannot canonicalize an undefined value');
  return text;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** What the first entry links to: a value only this request's trail can start from. */
export function genesisHash(requestId: string): string {
  return sha256Hex(canonicalJson({ chain: CHAIN_VERSION, request_id: requestId }));
}

/** The stream id is left out: Redis assigns it, and an exported file keeps it only to name entries. */
export function entryHash(prev: string, at: string, event: unknown): string {
  return sha256Hex(canonicalJson({ prev, at, event }));
}

/** Links events recorded elsewhere (a fixture, a benchmark) into a chain, as appending them would. */
export function linkEntries(requestId: string, records: ReadonlyArray<{ seq: string; at: string; event: object }>): ChainEntry[] {
  let prev = genesisHash(requestId);
  return records.map(({ seq, at, event }) => {
    const stored = JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
    const hash = entryHash(prev, at, stored);
    const entry = { seq, at, event: stored, prev, hash };
    prev = hash;
    return entry;
  });
}
