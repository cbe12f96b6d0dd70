import { AsyncLocalStorage } from 'node:async_hooks';

const fresh = new AsyncLocalStorage<true>();

/**
 * Runs a read-back so that every shared listing it reads begins after it asked, however fresh a
 * connector's shared listings may otherwise be: a read-back never sees a listing made before the
 * change it confirms (the act may even have run in another worker process), nor the listing an
 * earlier read-back of the same change saw. Callers asking at the same time still share one.
 * Connectors ask `readsFresh()` where they share listings between callers.
 */
export function readingFresh<T>(read: () => Promise<T>): Promise<T> {
  return fresh.run(true, read);
}

/** True when the caller is a read-back: only a listing that begins after it asked may answer it. */
export function readsFresh(): boolean {
  return fresh.getStore() === true;
}

/** A shared listing a caller was answered with: when its first page call was made, and whether it may still answer a caller now. */
export interface ListingRead {
  /** Epoch ms. */
  begunAt: number;
  /** False once it is older than the listings' bounded age, or the bot has changed what it lists since it began (in this process). */
  current(): boolean;
}

const seen = new AsyncLocalStorage<ListingRead[]>();

/** What a look read, as `observingListings` tells it. */
export interface Looked<T> {
  value: T;
  /** When the look began (epoch ms): a call made during it, not through a shared listing, was made after this. */
  startedAt: number;
  /** Every shared listing that answered it, with when each began (possibly before `startedAt`). */
  listings: ListingRead[];
}

/**
 * Runs a look (a step's inventory) and tells which shared listings answered it, so the step can say
 * when what it saw was read: the earliest of those listings' beginnings and of the look's own start.
 */
export async function observingListings<T>(look: () => Promise<T>): Promise<Looked<T>> {
  const listings: ListingRead[] = [];
  const startedAt = Date.now();
  const value = await seen.run(listings, look);
  return { value, startedAt, listings };
}

/** Where to tell that a shared listing answered the caller, taken when it asks: the look observing it, if any. */
export function listingObserver(): ((read: ListingRead) => void) | undefined {
  const store = seen.getStore();
  return store && ((read) => store.push(read));
}

/** When what a look saw was read (epoch ms): the earliest listing that answered it, or the look's start. */
export const readAtOf = (looked: Pick<Looked<unknown>, 'startedAt' | 'listings'>): number =>
  Math.min(looked.startedAt, ...looked.listings.map((l) => l.begunAt));
