/**
 * Account-wide listings that many people's steps need at once (every user, every user API key),
 * read once for all of them. A caller never gets a listing that began before it asked: while
 * one is in flight, new callers wait for the next, which starts as soon as it ends and serves
 * them all. So each caller sees the account as fresh as its own listing would have, and a bulk
 * of N people costs a handful of listings instead of N.
 */
export class CoalescedListing<T> {
  private readonly running = new Map<string, Promise<T>>();
  private readonly queued = new Map<string, Promise<T>>();

  get(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.running.get(key);
    if (!running) return this.start(key, load);
    let next = this.queued.get(key);
    if (!next) {
      next = running.then(
        () => this.startQueued(key, load),
        () => this.startQueued(key, load),
      );
      this.queued.set(key, next);
    }
    return next;
  }

  private startQueued(key: string, load: () => Promise<T>): Promise<T> {
    this.queued.delete(key);
    return this.start(key, load);
  }

  private start(key: string, load: () => Promise<T>): Promise<T> {
    const listing = load().finally(() => {
      if (this.running.get(key) === listing) this.running.delete(key);
    });
    this.running.set(key, listing);
    return listing;
  }
}
