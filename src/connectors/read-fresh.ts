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
