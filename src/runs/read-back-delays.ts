/**
 * How long each system takes to show a change, learned from this process's own read-backs (each
 * worker process learns on its own, from its first confirmed changes, and forgets on restart): an
 * exponentially weighted average of the time after a change at which a read-back confirmed it.
 * A step that changed something makes its first read-back near that time instead of at once, so a
 * system that takes half a second to show a change is read back about once, not polled through
 * that half second.
 *
 * A read-back that confirms at the first try says only that the change showed by then: the time
 * learned from it is a little earlier (EARLIER), so the estimate drifts down until a first
 * read-back comes too early, and the one that then confirms pulls it back up. So it follows a
 * system that becomes faster as well as one that becomes slower.
 */
export class ReadBackDelays {
  private readonly learned = new Map<string, number>();

  constructor(
    /** The weight of the latest confirmation. */
    private readonly weight = 0.3,
    /** The longest first wait it ever proposes. */
    private readonly maxMs = 10_000,
  ) {}

  /** How long after a change to make the first read-back, in ms; undefined until one of the system's changes was confirmed. */
  expected(system: string): number | undefined {
    const ms = this.learned.get(system);
    return ms === undefined ? undefined : Math.min(Math.round(ms), this.maxMs);
  }

  /** A read-back made `afterMs` after a change confirmed it; `first`: no earlier read-back of that change had come too early. */
  confirmed(system: string, afterMs: number, first: boolean): void {
    const sample = Math.max(0, first ? afterMs * EARLIER : afterMs);
    const before = this.learned.get(system);
    this.learned.set(system, before === undefined ? sample : before + this.weight * (sample - before));
  }
}

/** The share of a first-try confirmation's time that is learned: the change may have shown earlier. */
const EARLIER = 0.9;
