import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { InFlight } from '../../src/slack/in-flight.js';

/** Whether `promise` has settled after a few turns of the event loop. */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 5; i++) await nextTurn();
  return done;
}

describe('Slack requests in flight', () => {
  it('is idle at once when nothing was taken', async () => {
    expect(await settledSoon(new InFlight().idle())).toBe(true);
  });

  it('is idle only once every request taken has ended and all listener work has settled, failed work included', async () => {
    const inFlight = new InFlight();
    const end = inFlight.begin();
    let finish!: () => void;
    let fail!: (err: Error) => void;
    const done = inFlight.track(new Promise<void>((resolve) => (finish = resolve)));
    const failed = inFlight.track(new Promise<void>((_, reject) => (fail = reject))).catch(() => 'failed');

    const idle = inFlight.idle();
    expect(inFlight.size).toBe(3);
    end();
    end();
    expect(inFlight.size).toBe(2);
    finish();
    await done;
    expect(await settledSoon(idle)).toBe(false);
    fail(new Error('listener failed'));
    expect(await failed).toBe('failed');
    expect(await settledSoon(idle)).toBe(true);
    expect(inFlight.size).toBe(0);
  });
});
