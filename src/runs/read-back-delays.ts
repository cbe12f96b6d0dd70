/**
 * How long each system takes to show a change, learned from this process's own read-backs (each
 * worker process learns on its own, from its first confirmed changes, and forgets on restart). A
 * step that changed something makes its first read-back after that long instead of at once, so a
 * system that takes half a second to show a change is read back about once, not polled through
 * that half second.
 *
 * The first confirmation sets it. After that, a first read-back that confirms says only that the
 * change showed by then: the next first read-back comes a little earlier (DOWN). One that came too
 * early moves it to when the change was confirmed, and at least UP later. So about four changes
 * in five are confirmed by their first read-back, the rest by the next, and the time follows a
 * system that becomes faster (slowly: reading a little late costs no call) or slower (at once).
 */
export class ReadBackDelays {
  private readonly learned = new Map<string, number>();

  constructor(
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
    const before = this.learned.get(system);
    const next = before === undefined ? afterMs : first ? before * (1 - DOWN) : Math.max(afterMs, before * (1 + UP));
    this.learned.set(system, Math.min(Math.max(0, next), this.maxMs));
  }
}

/** How much earlier the next first read-back comes after one that confirmed. */
const DOWN = 0.05;
/** How much later, at least, after one that came too early: four times DOWN, for about four first-try confirmations in five. */
const UP = 0.2;
