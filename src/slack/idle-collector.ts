import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How often the collector looks whether the process is idle. */
const CHECK_EVERY_MS = 100;
/** Idle: the event loop was busy for less than this share of the last check's window. */
const IDLE_UTILIZATION = 0.05;
/** Less new in the young generation than this is cheap to collect whenever V8 wants to. */
const MIN_YOUNG_BYTES = 1024 * 1024;

export type MinorGc = () => void;

export interface IdleCollectorOptions {
  /** True while a Slack request waits for its answer or a listener's work after it waits its turn. */
  busy: () => boolean;
  /** Default: V8's own minor collection (see `v8MinorGc`). */
  collect?: MinorGc;
  /** Bytes in use in V8's young generation; default from `v8.getHeapSpaceStatistics()`. */
  youngBytes?: () => number;
  /** Event-loop utilization since `previous` (as `performance.eventLoopUtilization`). */
  utilization?: (previous?: EventLoopUtilization) => EventLoopUtilization;
}

/**
 * Collects V8's young generation while the process answering Slack is idle. Measured in
 * `bench:ack`: the bot's work between bursts of requests (storing, announcing, jobs) leaves its
 * young generation nearly full, so most bursts paid for a 3-7 ms scavenge in the middle of their
 * answers, with everything the waiting listeners hold still alive and copied; bare Bolt, which
 * does nothing between bursts, rarely did. V8 collects at idle time in browsers, where the
 * embedder says when it is idle; Node never does, so this does it: once a check window passed
 * with the event loop idle, no request unanswered and at least 1 MiB of young objects allocated
 * since its last collection left them, it runs one minor collection then, when nobody waits on it.
 */
export class IdleCollector {
  private timer?: NodeJS.Timeout;
  private previous: EventLoopUtilization;
  private readonly collect: MinorGc;
  private readonly youngBytes: () => number;
  private readonly utilization: (previous?: EventLoopUtilization) => EventLoopUtilization;
  /** What the young generation held after this collector's last collection, while idle since: survivors, not garbage. */
  private survivors = 0;

  constructor(private readonly options: IdleCollectorOptions) {
    this.collect = options.collect ?? v8MinorGc();
    this.youngBytes = options.youngBytes ?? youngGenerationBytes;
    this.utilization = options.utilization ?? ((previous) => performance.eventLoopUtilization(previous));
    this.previous = this.utilization();
  }

  start(): void {
    this.previous = this.utilization();
    // Unref'd: it never keeps the process alive on its own.
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look: collects when the last window was idle, nothing waits, and there is enough to collect. */
  check(): void {
    const window = this.utilization(this.previous);
    this.previous = this.utilization();
    if (window.utilization >= IDLE_UTILIZATION || this.options.busy()) {
      // V8 may collect during the work: what the last idle collection left says nothing after it.
      this.survivors = 0;
      return;
    }
    if (this.youngBytes() - this.survivors < MIN_YOUNG_BYTES) return;
    this.collect();
    this.survivors = this.youngBytes();
  }
}

/** Bytes in use in V8's young generation (`new_space`), garbage and survivors alike. */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_used_size ?? 0;
}

/**
 * V8's minor (young-generation) collection. Node exposes `gc` only with `--expose-gc`; turning the
 * flag on at run time and reading `gc` from a fresh context gives the same function without
 * changing how the process is started, and leaves the global scope as it was.
 */
export function v8MinorGc(): MinorGc {
  const exposed = (globalThis as { gc?: (options: object) => void }).gc;
  if (exposed) return () => exposed({ type: 'minor' });
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: object) => void;
  return () => gc({ type: 'minor' });
}
