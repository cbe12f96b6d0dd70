import { constants, PerformanceObserver, performance, type PerformanceEntry } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { COMMAND } from '../../src/slack/blocks/ids.js';
import { GENERAL_CHANNEL, PEOPLE } from '../../src/demo/workspace.js';
import { v8MinorGc, youngGenerationBytes } from '../../src/slack/idle-collector.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const MiB = 1024 * 1024;

/** Minor (young-generation) collections that start after `since`, as V8 reports them. */
function minorCollectionsAfter(since: number): { entries: PerformanceEntry[]; stop: () => void } {
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if ((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR && e.startTime >= since) entries.push(e);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return { entries, stop: () => observer.disconnect() };
}

describe('the bot answering Slack over HTTP, once idle', () => {
  it("collects the young generation the last requests left, so the next burst does not stop for it", async () => {
    const { stack } = await start({ processBeforeResponse: false });
    const answer = await stack.events.slashCommand({ command: COMMAND, text: '', userId: PEOPLE.taylor, channelId: GENERAL_CHANNEL });
    expect(answer.status).toBe(200);
    await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'open' && v.userId === PEOPLE.taylor));

    // From an emptied young generation (what survives one collection is promoted at the second),
    // garbage until 1.5 MiB more of it is in use: over the collector's 1 MiB, under the share at
    // which V8 schedules a collection of its own.
    v8MinorGc()();
    v8MinorGc()();
    const filled = youngGenerationBytes() + 1.5 * MiB;
    let garbage: object[] = [];
    while (youngGenerationBytes() < filled) garbage.push({ n: garbage.length, s: `item ${garbage.length}` });
    expect(garbage.length).toBeGreaterThan(0);
    garbage = [];
    const idleFrom = performance.now();
    const minors = minorCollectionsAfter(idleFrom);
    try {
      await sleep(1000);
      expect(minors.entries.length).toBeGreaterThan(0);
    } finally {
      minors.stop();
    }
  });
});
