/**
 * Where what a worker process learned is kept (Redis): for the other worker processes, which take
 * up each system's time until they learn their own, and for the next start of any of them.
 */
export interface LearnedDelaysStore {
  /** Each system's time as last kept, in ms. */
  all(): Promise<Record<string, number>>;
  keep(system: string, ms: number): Promise<void>;
}

/**
 * How long each system takes to show a change, learned from read-backs. A step that changed
 * something makes its first read-back after that long instead of at once, so a system that takes
 * half a second to show a change is read back about once, not polled through that half second.
 * Each worker process learns from its own read-backs; with a `store`, a system it has not learned
 * yet is taken from what another process (or this one before a restart) learned, so a process just
 * started or added reads back about once per change from its first step instead of polling.
 *
 * When a change showed is known to lie between the last read-back that still saw it unchanged and
 * the one that confirmed it: about halfway is taken. The first confirmation sets the time; a
 * read-back that did not wait for it (made before anything was learned) moves it by a third of the
 * way. A first read-back that waited and confirmed says only that the change showed by then: the
 * next comes a little earlier (DOWN) than that wait. One that waited and came too early moves it to
 * when the change showed, and at least UP later than that wait. Both are measured from the wait, so
 * steps that acted together move it once. So about four changes in five are confirmed by their first
 * read-back, the rest by the next, and the time follows a system that becomes faster (slowly:
 * reading a little late costs no call) or slower (at once).
 */
export class ReadBackDelays {
  private readonly learned = new Map<string, number>();
  /** What this process learned itself: never replaced by what another kept. */
  private readonly own = new Set<string>();
  private adopting: Promise<void> | undefined;
  private adoptedAt = -Infinity;

  constructor(
    /** The longest first wait it ever proposes. */
    private readonly maxMs = 10_000,
    private readonly store?: LearnedDelaysStore,
    /** Told when the store could not be read or written: the process goes on with what it knows. */
    private readonly onStoreError: (err: Error) => void = () => {},
  ) {}

  /**
   * How long after a change to make the first read-back, in ms; undefined until one of the system's
   * changes was confirmed, here or (with a store) in another process. Asked about a system it does
   * not know, it looks at the store again in the background, at most every ADOPT_EVERY_MS.
   */
  expected(system: string): number | undefined {
    const ms = this.learned.get(system);
    if (ms === undefined && this.store && performance.now() - this.adoptedAt >= ADOPT_EVERY_MS) void this.adopt();
    return ms === undefined ? undefined : Math.min(Math.round(ms), this.maxMs);
  }

  /** Takes up the store's time for every system this process has not learned itself; a store that cannot be read is told and left. */
  adopt(): Promise<void> {
    if (!this.store) return Promise.resolve();
    this.adopting ??= this.store
      .all()
      .then((kept) => {
        for (const [system, ms] of Object.entries(kept)) {
          if (!this.own.has(system) && Number.isFinite(ms) && ms >= 0) this.learned.set(system, Math.min(ms, this.maxMs));
        }
      })
      .catch((err: unknown) => this.onStoreError(err as Error))
      .finally(() => {
        this.adoptedAt = performance.now();
        this.adopting = undefined;
      });
    return this.adopting;
  }

  /**
   * A read-back made `afterMs` after a change confirmed it. `waited`: the change's first read-back
   * waited for the time learned here, `waitedMs` long (what it was when the step acted);
   * `missedAfterMs`: when the last read-back that saw the change not yet shown was made, if one was.
   *
   * Earlier and later are measured from the time the change's first read-back waited, not from the
   * time now: the steps of a run act together and wait alike, and eight of them confirmed at once
   * say once that that wait was enough (the time comes DOWN once, not eight times over, which would
   * send the next run's read-backs a quarter early).
   */
  confirmed(system: string, afterMs: number, { waited, waitedMs, missedAfterMs }: { waited: boolean; waitedMs?: number; missedAfterMs?: number }): void {
    const shown = missedAfterMs === undefined ? afterMs : (missedAfterMs + afterMs) / 2;
    const before = this.learned.get(system);
    let next: number;
    if (before === undefined) next = shown;
    else if (!waited) next = before + WEIGHT * (shown - before);
    else {
      // A job queued before the wait was kept with it says only that it waited: the time as it is now.
      const wait = waitedMs ?? before;
      // A confirmation lowers the time only from a wait no read-back has since found too short
      // (reading late costs time, reading early a call); the wait was the time to the millisecond.
      if (missedAfterMs !== undefined) next = Math.max(before, shown, wait * (1 + UP));
      else next = before - wait > 1 ? before : Math.min(before, wait * (1 - DOWN));
    }
    const learned = Math.min(Math.max(0, next), this.maxMs);
    this.own.add(system);
    this.learned.set(system, learned);
    // Kept to the millisecond: the steps of a run confirmed together write it once.
    if (this.store && Math.round(learned) !== Math.round(before ?? -1))
      this.store.keep(system, Math.round(learned)).catch((err: unknown) => this.onStoreError(err as Error));
  }
}

/** How often a process asked about a system it does not know looks at what the others kept. */
const ADOPT_EVERY_MS = 10_000;

/** How far a read-back that did not wait (the system's time was not known when the step acted) moves it. */
const WEIGHT = 1 / 3;
/** How much earlier the next first read-back comes after one that confirmed. */
const DOWN = 0.05;
/** How much later, at least, after one that came too early: four times DOWN, for about four first-try confirmations in five. */
const UP = 0.2;
