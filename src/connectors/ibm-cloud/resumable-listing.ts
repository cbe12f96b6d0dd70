/**
 * Pages read one call at a time. A `getNext` that fails leaves the pager where it was, so the
 * next call asks for the same page again (as the IBM SDK's pagers do).
 */
export interface Pager<T> {
  hasNext(): boolean;
  getNext(): Promise<T[]>;
}

import { listingObserver, readsFresh } from '../read-fresh.js';

interface Listing<T> {
  pager?: Pager<T>;
  items: T[];
  /** When its first page call was made (epoch ms). */
  begunAt?: number;
}

/** A single answer as a listing of one page, so callers at the same time share it. */
export function onePage<T>(load: () => Promise<T[]>): Pager<T> {
  let done = false;
  return {
    hasNext: () => !done,
    async getNext() {
      const items = await load();
      done = true;
      return items;
    },
  };
}

/** A listing's items with when its first page call was made (epoch ms). */
interface Listed<T> {
  items: T[];
  begunAt: number;
}

/** A listing that failed part-way, kept for the askers who waited on it. */
interface Broken<T> {
  listing: Listing<T>;
  /** Askers that have not come back yet. */
  waiting: Set<string>;
  /** Askers that came back and wait on the resumed listing. */
  joined: Set<string>;
  resumed?: Promise<Listed<T>>;
  timer: NodeJS.Timeout;
}

/**
 * An account-wide listing that many people's steps need at once (every user, every API key,
 * every trusted profile), read once for all of them, and resumed where it failed.
 *
 * - **Shared:** a caller never gets a listing that began before it asked. A listing begins with
 *   its first page call, one turn of the event loop after it was first asked for, so everyone
 *   asking in that turn (a bulk round's people, released together) shares it. While one is in
 *   flight, new callers wait for the next, which starts as soon as it ends and serves them all.
 * - **Resumed:** a large account is many page calls, and a listing fails if any one of them does.
 *   A failed listing is kept for `keepMs` with the pages it read and the pager at the page that
 *   failed; when one of the askers that waited on it asks again (the retry of the same step, which
 *   names itself the same way every attempt), the listing goes on from that page instead of
 *   starting over. The pages it already read began after that asker first asked, so it sees the
 *   account as fresh as before. Each asker takes a kept listing up once: its next question is new.
 *   Callers that name no asker always get a listing of their own time.
 * - **Fresh enough** (`maxAgeMs` above 0): a listing that began at most `maxAgeMs` ago, finished
 *   or still under way, also answers a new caller, so a person's preview, identification and steps, and
 *   everyone else's in the same round, share it. Never one that began before the bot's own last
 *   change of the account in this process (`changed`), nor any that began before a read-back
 *   asked (`readingFresh`, src/connectors/read-fresh.ts).
 * - **Told:** a look run under `observingListings` (src/connectors/read-fresh.ts) learns which
 *   listing answered it, when it began, and whether it could still answer a caller now: a step
 *   whose inventory found nothing ends verified by it while it is current.
 *
 * A key is an account's id, or the account's id, `|` and what the listing is narrowed to (a person, a kind of key).
 */
export class ResumableListing<T> {
  private readonly running = new Map<string, { promise: Promise<Listed<T>>; begun: boolean; begunAt?: number; askers: Set<string> }>();
  private readonly queued = new Map<string, { askers: Set<string>; promise: Promise<Listed<T>> }>();
  /** Per key, every failed listing kept: under heavy faults one fails while another's askers wait on their retry. */
  private readonly broken = new Map<string, Set<Broken<T>>>();
  /** Per key, the latest finished listing, kept for `maxAgeMs` by its timer. */
  private readonly done = new Map<string, { begunAt: number; items: T[]; expiry: NodeJS.Timeout }>();
  /** Per key (an account, or what is narrowed to in it), when the bot last changed what it lists; `everywhere` for a change whose account is unknown. */
  private readonly changedAt = new Map<string, number>();
  private changedEverywhereAt = -Infinity;
  /** Per account and owner (`account NUL owner`), when the bot last changed that owner's items alone (`changedFor`). */
  private readonly ownerChangedAt = new Map<string, number>();
  /** Per account, when the bot last changed any owner's items there (`changedFor`): for a caller who wants everyone's, and for what a listing confirms. */
  private readonly anyOwnerChangedAt = new Map<string, number>();
  /** When `ownerChangedAt` last let go of changes too old to matter. */
  private prunedAt = now();

  constructor(
    private readonly keepMs: number,
    private readonly maxAgeMs = 0,
  ) {}

  /**
   * The bot has just changed what this listing shows under `key`: an account (all of its listings,
   * narrowed or not) or a narrowed listing's key (`account|person`, that one alone). No listing
   * begun before now answers anyone after.
   */
  changed(key: string): void {
    this.changedAt.set(key, now());
    for (const cached of this.done.keys()) if (cached === key || accountOf(cached) === key) this.drop(cached);
  }

  /**
   * The bot has just changed items of one `owner` (a person's API keys) in `key`'s account, and no
   * one else's: a listing begun before answers no caller asking for that owner's items after, but
   * still answers callers asking for others' (their items are as it listed them), and stays kept.
   * No listing begun before ends a step as its read-back (`current` on what a look is told).
   */
  changedFor(key: string, owner: string): void {
    const at = now();
    const account = accountOf(key);
    this.ownerChangedAt.set(ownerKey(account, owner), at);
    this.anyOwnerChangedAt.set(account, at);
    // A change older than any listing that may still answer is of no use: let such go once in that long.
    const horizon = Math.max(this.maxAgeMs, this.keepMs);
    if (at - this.prunedAt > horizon) {
      for (const [k, t] of this.ownerChangedAt) if (t < at - horizon) this.ownerChangedAt.delete(k);
      this.prunedAt = at;
    }
  }

  /** The bot has just changed what this listing shows in an account it cannot name (a key by its id): in every account. */
  changedEverywhere(): void {
    this.changedEverywhereAt = now();
    for (const cached of this.done.keys()) this.drop(cached);
  }

  /**
   * `owner`: the caller wants only that owner's items (a person's keys out of every key of the
   * account): a listing begun before the bot changed other owners' items still answers it. A caller
   * naming none wants everyone's: no listing begun before any change answers it.
   */
  list(key: string, asker: string | undefined, open: () => Pager<T>, owner?: string): Promise<T[]> {
    const observer = listingObserver();
    return this.listed(key, asker, open, owner).then(({ items, begunAt }) => {
      observer?.({ begunAt, current: () => begunAt >= this.since(key, true) });
      return items;
    });
  }

  /**
   * The finished listing under `key` that may answer a caller now (within the age, begun after the
   * bot's last change; never for a read-back), without starting one: undefined when there is none.
   * For a caller who can ask the system something narrower instead of reading the whole account.
   */
  current(key: string, owner?: string): T[] | undefined {
    const done = this.done.get(key);
    if (!done || done.begunAt < this.since(key, true, owner)) return undefined;
    const { begunAt } = done;
    // Whether it may still end a step unread is asked for everyone's items: a listing paged while
    // items before an entry are removed can skip that entry (IAM pages by position), so one read
    // across any change of the bot answers others' inventories but never stands for a read-back.
    listingObserver()?.({ begunAt, current: () => begunAt >= this.since(key, true) });
    return [...done.items];
  }

  private listed(key: string, asker: string | undefined, open: () => Pager<T>, owner?: string): Promise<Listed<T>> {
    const broken = asker === undefined ? undefined : [...(this.broken.get(key) ?? [])].find((b) => b.waiting.has(asker));
    // A kept listing is taken up whatever its age, never across a change made since it began.
    if (broken && (broken.listing.begunAt ?? Infinity) >= this.since(key, false, owner)) return this.takeUp(key, broken, asker!);
    const since = this.since(key, true, owner);
    const done = this.done.get(key);
    if (done && done.begunAt >= since) return Promise.resolve({ items: [...done.items], begunAt: done.begunAt });
    const running = this.running.get(key);
    if (!running) return this.start(key, open, new Set(asker === undefined ? [] : [asker]));
    // Not begun yet: nothing of it was read before this caller asked. One already begun may still fail
    // (its askers retry it): the caller waits for the next, as fresh, and shares it once finished.
    if (!running.begun) {
      if (asker !== undefined) running.askers.add(asker);
      return running.promise;
    }
    // Fresh enough: one under way that began within the age and since the bot's last change answers
    // this caller too once it ends. Should it fail, or the bot change the account meanwhile, the caller asks again.
    const runningSince = running.begunAt;
    if (runningSince !== undefined && runningSince >= since) {
      const again = () => this.listed(key, asker, open, owner);
      return running.promise.then((listed) => (this.changedSince(key, owner) >= runningSince ? again() : { ...listed, items: [...listed.items] }), again);
    }
    let next = this.queued.get(key);
    if (!next) {
      const askers = new Set<string>();
      const settled = () => {
        this.queued.delete(key);
        return this.start(key, open, askers);
      };
      next = { askers, promise: running.promise.then(settled, settled) };
      this.queued.set(key, next);
    }
    if (asker !== undefined) next.askers.add(asker);
    return next.promise;
  }

  private start(key: string, open: () => Pager<T>, askers: Set<string>): Promise<Listed<T>> {
    const listing: Listing<T> = { items: [] };
    const entry: { begun: boolean; begunAt?: number; askers: Set<string>; promise: Promise<Listed<T>> } = {
      begun: false,
      askers,
      promise: undefined as unknown as Promise<Listed<T>>,
    };
    const promise: Promise<Listed<T>> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => {
        entry.begun = true;
        listing.begunAt = now();
        entry.begunAt = listing.begunAt;
        const items = await read(listing, open);
        this.remember(key, listing.begunAt!, items);
        return { items, begunAt: listing.begunAt! };
      })
      .catch((err: unknown) => {
        this.keep(key, listing, askers);
        throw err;
      })
      .finally(() => {
        if (this.running.get(key) === entry) this.running.delete(key);
      });
    entry.promise = promise;
    this.running.set(key, entry);
    return promise;
  }

  /**
   * The earliest a listing may have begun to answer a caller now: after the bot's last change of the
   * account and, `withAge`, within `maxAgeMs` (for a read-back, none already begun). Without
   * `withAge`: a kept listing its asker takes up, which began after the asker first asked.
   */
  private since(key: string, withAge: boolean, owner?: string): number {
    const changed = this.changedSince(key, owner);
    if (!withAge) return changed;
    // A read-back: only a listing that has not begun yet.
    if (readsFresh()) return Infinity;
    return Math.max(this.maxAgeMs > 0 ? now() - this.maxAgeMs : Infinity, changed);
  }

  /**
   * When the bot last changed what the listing under `key` shows for a caller: everyone's items
   * (`changedForAll`), and `owner`'s, or any owner's for a caller who names none.
   */
  private changedSince(key: string, owner?: string): number {
    const account = accountOf(key);
    const owned = owner === undefined ? this.anyOwnerChangedAt.get(account) : this.ownerChangedAt.get(ownerKey(account, owner));
    return Math.max(this.changedForAll(key), owned ?? -Infinity);
  }

  /** When the bot last changed everyone's items the listing under `key` shows: there, in its whole account, or in an account it could not name. */
  private changedForAll(key: string): number {
    return Math.max(this.changedAt.get(key) ?? -Infinity, this.changedAt.get(accountOf(key)) ?? -Infinity, this.changedEverywhereAt);
  }

  private remember(key: string, begunAt: number, items: T[]): void {
    if (this.maxAgeMs <= 0 || (this.done.get(key)?.begunAt ?? -Infinity) > begunAt) return;
    // A change of everyone's items made while it ran (or in the millisecond it began): it may not
    // show it, so it answers nobody. One of an owner's items still lets it answer others (`changedFor`).
    if (this.changedForAll(key) >= begunAt) return;
    this.drop(key);
    const expiry = setTimeout(() => this.drop(key), this.maxAgeMs);
    expiry.unref();
    this.done.set(key, { begunAt, items, expiry });
  }

  /**
   * Lets a finished listing go, its timer with it: a timer left to run out would hold the items for
   * the rest of `maxAgeMs`, and during a bulk the bot's own changes drop a listing of the account
   * every few seconds (70 of them, 4.8 MiB, held so at once in a round of 100 people).
   */
  private drop(key: string): void {
    const done = this.done.get(key);
    if (!done) return;
    clearTimeout(done.expiry);
    this.done.delete(key);
  }

  /** The kept listing for one of its askers: resumed by the first to come back, shared by the rest. */
  private takeUp(key: string, broken: Broken<T>, asker: string): Promise<Listed<T>> {
    broken.waiting.delete(asker);
    broken.joined.add(asker);
    // It began when its first page was read, however long ago: a look told of it sees that age.
    broken.resumed ??= read(broken.listing, () => broken.listing.pager!).then(
      (items) => ({ items, begunAt: broken.listing.begunAt! }),
      (err: unknown) => {
        // Failed again: kept once more, for everyone who joined and everyone still to come back.
        this.forget(key, broken);
        this.keep(key, broken.listing, new Set([...broken.joined, ...broken.waiting]));
        throw err;
      },
    );
    const resumed = broken.resumed;
    if (broken.waiting.size === 0)
      void resumed.then(
        () => this.forget(key, broken),
        () => undefined,
      );
    return resumed;
  }

  private keep(key: string, listing: Listing<T>, askers: Set<string>): void {
    // Never opened, or no asker to take it up: nothing to keep.
    if (askers.size === 0 || !listing.pager) return;
    // An asker waits on one listing at a time: the one that failed last.
    for (const other of this.broken.get(key) ?? []) for (const asker of askers) other.waiting.delete(asker);
    const entry: Broken<T> = { listing, waiting: new Set(askers), joined: new Set(), timer: setTimeout(() => this.forget(key, entry), this.keepMs) };
    entry.timer.unref();
    const kept = this.broken.get(key) ?? new Set();
    kept.add(entry);
    this.broken.set(key, kept);
  }

  private forget(key: string, entry: Broken<T>): void {
    clearTimeout(entry.timer);
    const kept = this.broken.get(key);
    kept?.delete(entry);
    if (kept?.size === 0) this.broken.delete(key);
  }
}

const accountOf = (key: string): string => key.split('|', 1)[0]!;

const ownerKey = (account: string, owner: string): string => `${account}\u0000${owner}`;

/** Epoch ms to a fraction of one: a listing begun in the millisecond a change ended is ordered after it or before, never tied. */
const now = (): number => performance.timeOrigin + performance.now();

async function read<T>(listing: Listing<T>, open: () => Pager<T>): Promise<T[]> {
  listing.pager ??= open();
  while (listing.pager.hasNext()) listing.items.push(...(await listing.pager.getNext()));
  return listing.items;
}
