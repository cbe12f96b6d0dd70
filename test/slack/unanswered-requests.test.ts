import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { UnansweredRequests } from '../../src/slack/unanswered-requests.js';

const response = () => new EventEmitter() as unknown as ServerResponse;

/** Whether `promise` has settled after a few turns of the event loop. */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 5; i++) await nextTurn();
  return done;
}

describe('work after an ack, while Slack requests wait for their answers', () => {
  it('goes on only once every request taken is answered or closed', async () => {
    const unanswered = new UnansweredRequests(0, 60_000);
    const [a, b] = [response(), response()];
    unanswered.track(a);
    unanswered.track(b);

    const work = unanswered.settled();
    expect(await settledSoon(work)).toBe(false);
    a.emit('finish');
    expect(await settledSoon(work)).toBe(false);
    b.emit('close');
    expect(await settledSoon(work)).toBe(true);
  });

  it('is busy while a request taken is not yet answered, or a listener waits its turn after its answer', async () => {
    const unanswered = new UnansweredRequests(0, 60_000);
    expect(unanswered.busy).toBe(false);
    const res = response();
    unanswered.track(res);
    expect(unanswered.busy).toBe(true);
    const work = unanswered.settled();
    res.emit('finish');
    expect(unanswered.busy).toBe(true);
    await work;
    expect(unanswered.busy).toBe(false);
  });

  it('goes on when no request waits for its answer', async () => {
    expect(await settledSoon(new UnansweredRequests(0, 60_000).settled())).toBe(true);
  });

  it('counts a response that finishes and then closes once', async () => {
    const unanswered = new UnansweredRequests(0, 60_000);
    const a = response();
    unanswered.track(a);
    a.emit('finish');
    a.emit('close');
    unanswered.track(response());

    expect(await settledSoon(unanswered.settled())).toBe(false);
  });

  it('lets waiting work go on after the longest wait, even while a request is never answered', async () => {
    const unanswered = new UnansweredRequests(0, 10);
    unanswered.track(response());

    await expect(unanswered.settled()).resolves.toBeUndefined();
  });
});
