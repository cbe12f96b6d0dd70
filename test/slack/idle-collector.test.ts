import type { EventLoopUtilization } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { IdleCollector, v8MinorGc, youngGenerationBytes } from '../../src/slack/idle-collector.js';

const MiB = 1024 * 1024;

/**
 * A collector whose last window's event-loop utilization, young generation and waiting requests
 * the test sets; a collection leaves `survivors` bytes in the young generation.
 */
function collectorWith(state: { utilization: number; youngBytes: number; busy: boolean }, survivors = 0) {
  const collected: number[] = [];
  const collector = new IdleCollector({
    busy: () => state.busy,
    collect: () => {
      collected.push(state.youngBytes);
      state.youngBytes = survivors;
    },
    youngBytes: () => state.youngBytes,
    utilization: (previous?: EventLoopUtilization) => ({ idle: 0, active: 0, utilization: previous ? state.utilization : 0 }),
  });
  return { collector, collected };
}

describe('the idle collector of a process that answers Slack', () => {
  it('collects the young generation once a window passed idle, with nothing waiting and at least 1 MiB to collect', () => {
    const { collector, collected } = collectorWith({ utilization: 0.01, youngBytes: 6 * MiB, busy: false });
    collector.check();
    expect(collected).toEqual([6 * MiB]);
  });

  it('does not collect while a Slack request waits for its answer', () => {
    const { collector, collected } = collectorWith({ utilization: 0, youngBytes: 6 * MiB, busy: true });
    collector.check();
    expect(collected).toEqual([]);
  });

  it('does not collect after a window in which the event loop was working', () => {
    const { collector, collected } = collectorWith({ utilization: 0.4, youngBytes: 6 * MiB, busy: false });
    collector.check();
    expect(collected).toEqual([]);
  });

  it('leaves a young generation under 1 MiB to V8', () => {
    const { collector, collected } = collectorWith({ utilization: 0, youngBytes: MiB - 1, busy: false });
    collector.check();
    expect(collected).toEqual([]);
  });

  it('while idle, does not collect again what survived its last collection, only what was allocated since', () => {
    const state = { utilization: 0, youngBytes: 3 * MiB, busy: false };
    const { collector, collected } = collectorWith(state, 1.5 * MiB);
    collector.check();
    collector.check();
    expect(collected).toEqual([3 * MiB]);

    state.youngBytes = 2.6 * MiB;
    collector.check();
    expect(collected).toEqual([3 * MiB, 2.6 * MiB]);

    // After work, V8 may have collected on its own: the young generation is measured afresh.
    state.utilization = 0.5;
    collector.check();
    state.utilization = 0;
    state.youngBytes = 1.2 * MiB;
    collector.check();
    expect(collected).toEqual([3 * MiB, 2.6 * MiB, 1.2 * MiB]);
  });

  it("runs V8's own minor collection, which empties the young generation without --expose-gc on the command line", () => {
    let garbage: object[] | undefined = Array.from({ length: 10_000 }, (_, i) => ({ i }));
    expect(garbage.length).toBe(10_000);
    garbage = undefined;
    const before = youngGenerationBytes();
    v8MinorGc()();
    expect(youngGenerationBytes()).toBeLessThan(before);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
