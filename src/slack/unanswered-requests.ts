import type { ServerResponse } from 'node:http';

/**
 * Slack requests this process has taken and not yet answered. Work a listener does after its ack
 * (Redis, Slack calls, enqueueing) goes on once there are none and none has arrived for `quietMs`,
 * one listener per turn of the event loop, so each turn first takes in whatever requests have
 * arrived: a burst of requests is answered before the work they set off, instead of each answer
 * queueing behind the work of those before it. A listener waits at most `maxWaitMs`.
 */
export class UnansweredRequests {
  private count = 0;
  private lastArrival = 0;
  private readonly waiting: (() => void)[] = [];
  private turnScheduled = false;

  constructor(
    private readonly quietMs: number,
    private readonly maxWaitMs: number,
  ) {}

  /** A request waits for its answer, or a listener's work after its answer waits its turn. */
  get busy(): boolean {
    return this.count > 0 || this.waiting.length > 0;
  }

  /** Counts the request until its answer has been written, or its connection closed. */
  track(res: ServerResponse): void {
    this.count++;
    this.lastArrival = performance.now();
    let counted = true;
    const answered = () => {
      if (!counted) return;
      counted = false;
      if (--this.count === 0) this.nextTurn();
    };
    res.once('finish', answered);
    res.once('close', answered);
  }

  /** Resolves on a later turn of the event loop, once every request is answered and arrivals paused, or after `maxWaitMs`. */
  settled(): Promise<void> {
    return new Promise((resolve) => {
      const go = () => {
        clearTimeout(timer);
        const i = this.waiting.indexOf(go);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve();
      };
      const timer = setTimeout(go, this.maxWaitMs);
      this.waiting.push(go);
      this.nextTurn();
    });
  }

  /** Lets the longest-waiting listener go on, in the check phase of a turn that has taken in new requests. */
  private nextTurn(): void {
    if (this.turnScheduled || this.waiting.length === 0) return;
    this.turnScheduled = true;
    const turn = () => {
      this.turnScheduled = false;
      // The last answer going out schedules the next turn.
      if (this.count > 0) return;
      if (performance.now() - this.lastArrival >= this.quietMs) this.waiting[0]?.();
      this.nextTurn();
    };
    const quietIn = this.lastArrival + this.quietMs - performance.now();
    if (quietIn > 0) setTimeout(turn, quietIn);
    else setImmediate(turn);
  }
}
