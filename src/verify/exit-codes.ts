import type { ChainBreak } from '../audit/verify-chain.js';

/** `npm run verify` exits with one code per kind of failure (documented in docs/operations.md). */
export const EXIT = {
  intact: 0,
  error: 1,
  usage: 2,
  notFound: 3,
  changed: 10,
  removed: 11,
  inserted: 12,
  reordered: 13,
  packMismatch: 14,
  packChanged: 20,
  wrongKey: 21,
  badSignature: 22,
  /** An exported pack with no manifest, without --allow-unsigned. */
  unsigned: 23,
} as const;

export const CHAIN_EXIT: Record<ChainBreak, number> = { changed: EXIT.changed, removed: EXIT.removed, inserted: EXIT.inserted, reordered: EXIT.reordered };
