import { describe, expect, it } from 'vitest';
import { ReadBackDelays } from '../../src/runs/read-back-delays.js';
import { firstReadBackAfter, nextPause, type VerifyPolicy } from '../../src/runs/run-step.js';

/** A system that shows each change `showsAfterMs` after it: the bot reads back when told, then every 50 ms, as run-step.ts does. */
function changeReadBack(delays: ReadBackDelays, showsAfterMs: number): number {
  const first = firstReadBackAfter('ibm-cloud', true, { timeoutMs: 300_000, intervalMs: 50, delays });
  let at = first;
  let missed: number | undefined;
  let checks = 1;
  while (at < showsAfterMs) {
    missed = at;
    at += 50;
    checks++;
  }
  delays.confirmed('ibm-cloud', at, {
    waited: first > 0,
    ...(first > 0 ? { waitedMs: first } : {}),
    ...(missed !== undefined ? { missedAfterMs: missed } : {}),
  });
  return checks;
}

describe('how long a system takes to show a change, learned from read-backs', () => {
  it('proposes nothing before a change was confirmed: the first read-back comes at once', () => {
    const delays = new ReadBackDelays();
    expect(delays.expected('ibm-cloud')).toBeUndefined();
    expect(firstReadBackAfter('ibm-cloud', true, { timeoutMs: 300_000, intervalMs: 50, delays })).toBe(0);
  });

  it('settles near the delay: against 500 ms, about four changes in five are confirmed by their first read-back, the rest by the next', () => {
    const delays = new ReadBackDelays();
    const checks = Array.from({ length: 40 }, () => changeReadBack(delays, 500));
    const settled = checks.slice(10);
    expect(settled.filter((c) => c === 1).length).toBeGreaterThanOrEqual(settled.length * 0.7);
    expect(Math.max(...settled)).toBeLessThanOrEqual(2);
    expect(delays.expected('ibm-cloud')).toBeGreaterThan(400);
    expect(delays.expected('ibm-cloud')).toBeLessThan(600);
  });

  it('follows a system that becomes faster, and one that becomes slower', () => {
    const delays = new ReadBackDelays();
    for (let i = 0; i < 20; i++) changeReadBack(delays, 2_000);
    expect(delays.expected('ibm-cloud')).toBeGreaterThan(1_700);
    for (let i = 0; i < 40; i++) changeReadBack(delays, 300);
    expect(delays.expected('ibm-cloud')).toBeLessThan(400);
    for (let i = 0; i < 20; i++) changeReadBack(delays, 1_000);
    expect(delays.expected('ibm-cloud')).toBeGreaterThan(850);
  });

  it('never delays the read-back of a step that changed nothing, and learns each system apart', () => {
    const delays = new ReadBackDelays();
    delays.confirmed('ibm-cloud', 800, { waited: false });
    expect(firstReadBackAfter('ibm-cloud', false, { timeoutMs: 300_000, intervalMs: 50, delays })).toBe(0);
    expect(firstReadBackAfter('ibm-cloud', true, { timeoutMs: 300_000, intervalMs: 50, delays })).toBe(800);
    expect(firstReadBackAfter('slack', true, { timeoutMs: 300_000, intervalMs: 50, delays })).toBe(0);
  });

  it('read-backs that did not wait (many steps acting before the first change was confirmed) each move it part of the way, never pile it up', () => {
    const delays = new ReadBackDelays();
    // Ten changes made at once by a worker just started, each polled until it showed at about 450 ms.
    for (let i = 0; i < 10; i++) delays.confirmed('ibm-cloud', 480, { waited: false, missedAfterMs: 420 });
    expect(delays.expected('ibm-cloud')).toBe(450);
  });

  it("a run's steps that waited alike and were confirmed together bring the time down once, not once each", () => {
    const delays = new ReadBackDelays();
    delays.confirmed('ibm-cloud', 500, { waited: false });
    // Eight steps acted together, each waited the 500 ms learned then, and each first read-back confirmed.
    for (let i = 0; i < 8; i++) delays.confirmed('ibm-cloud', 510, { waited: true, waitedMs: 500 });
    expect(delays.expected('ibm-cloud')).toBe(475);
    // The next run's steps wait 475 ms: still enough for a change shown at 460 ms, where 500 × 0.95⁸ = 332 ms would have read every one too early.
    expect(changeReadBack(delays, 460)).toBe(1);
  });

  it('steps that waited alike and came too early together move the time up once, and a confirmation of that same wait does not bring it back down', () => {
    const delays = new ReadBackDelays();
    delays.confirmed('ibm-cloud', 400, { waited: false });
    for (let i = 0; i < 4; i++) delays.confirmed('ibm-cloud', 450, { waited: true, waitedMs: 400, missedAfterMs: 400 });
    expect(delays.expected('ibm-cloud')).toBe(480);
    delays.confirmed('ibm-cloud', 410, { waited: true, waitedMs: 400 });
    expect(delays.expected('ibm-cloud')).toBe(480);
  });
});

/**
 * One change the system shows `showsAfterMs` after it, read back as run-step.ts schedules it: the
 * first read-back when told, then after each `nextPause`; every read-back takes `callMs`. Returns
 * how many read-backs were made and how late the one that confirmed came.
 */
function polled(policy: VerifyPolicy, showsAfterMs: number, callMs = 50) {
  const first = firstReadBackAfter('ibm-cloud', true, policy);
  const state = { learns: 'ibm-cloud', waited: first > 0 };
  let asked = first;
  let reads = 1;
  while (asked < showsAfterMs) {
    asked += callMs + nextPause(state, asked + callMs, policy);
    reads++;
  }
  return { reads, lateMs: asked - showsAfterMs };
}

describe('the pauses between read-backs of one change', () => {
  const policy = (delays = new ReadBackDelays()): VerifyPolicy => ({ timeoutMs: 300_000, intervalMs: 50, delays });

  it('grow by half the time waited while the system has no change confirmed yet: IAM taking 500 ms is found in five read-backs, not ten, at most half of it late', () => {
    const { reads, lateMs } = polled(policy(), 500);
    expect(reads).toBeLessThanOrEqual(5);
    expect(lateMs).toBeLessThanOrEqual(250);
    // A slow system is searched as quickly: 20 s in about a dozen read-backs.
    expect(polled(policy(), 20_000).reads).toBeLessThanOrEqual(13);
  });

  it('are a tenth of the time waited once the system is known: a first read-back that came early is followed closely', () => {
    const delays = new ReadBackDelays();
    delays.confirmed('ibm-cloud', 500, { waited: false });
    expect(nextPause({ learns: 'ibm-cloud', waited: true }, 560, policy(delays))).toBe(56);
  });

  it('wait until the change is due when another change of the system was confirmed meanwhile', () => {
    const delays = new ReadBackDelays();
    // This change's first read-back came at once (nothing known); then another step's change confirmed at 500 ms.
    delays.confirmed('ibm-cloud', 500, { waited: false });
    expect(nextPause({ learns: 'ibm-cloud', waited: false }, 100, policy(delays))).toBe(400);
  });
});
