/**
 * Slack requests this process has taken and not finished with: not yet answered, or answered with
 * their listener still at work (Slack hears back at `ack()`, the rest goes on after). Shutdown waits
 * for them, so no listener is cut off half-way between Redis writes and its Slack calls.
 */
export class InFlight {
  private count = 0;
  private readonly waiting: (() => void)[] = [];

  get size(): number {
    return this.count;
  }

  /** Counts one piece of handling; the returned function ends it (calling it again does nothing). */
  begin(): () => void {
    this.count++;
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      if (--this.count === 0) for (const resolve of this.waiting.splice(0)) resolve();
    };
  }

  /** Counts `work` until it settles. */
  async track<T>(work: Promise<T>): Promise<T> {
    const end = this.begin();
    try {
      return await work;
    } finally {
      end();
    }
  }

  /** Resolves once nothing is in flight. */
  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
