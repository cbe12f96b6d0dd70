import { describe, expect, it } from 'vitest';
import type { Change } from '../../../src/connectors/connector.js';
import { changeEach } from '../../../src/connectors/ibm-cloud/person-scoped-step.js';
import { PermanentError, RateLimitedError, RetryableError } from '../../../src/connectors/step-errors.js';

const items = ['k1', 'k2', 'k3'].map((id) => ({ id, label: id }));

/** Runs changeEach with `answer` per item; returns what it yielded, what it threw, and which items it asked about. */
async function run(answer: (id: string) => Change | Error) {
  const asked: string[] = [];
  const changes: Change[] = [];
  let thrown: unknown;
  try {
    for await (const c of changeEach(items, async (item) => {
      asked.push(item.id);
      const a = answer(item.id);
      if (a instanceof Error) throw a;
      return a;
    }))
      changes.push(c);
  } catch (err) {
    thrown = err;
  }
  return { asked, changes, thrown };
}

const removed = (id: string): Change => ({ id, label: id, outcome: 'removed' });
const wait = () => new RateLimitedError('the IBM Cloud request budget of a1 is used up for now', 2_500);

describe('changing items one by one', () => {
  it('tries every item past a failure, then reports the first permanent one with how many failed', async () => {
    const { asked, changes, thrown } = await run((id) => (id === 'k1' ? new RetryableError('503') : id === 'k2' ? new PermanentError('403') : removed(id)));
    expect(asked).toEqual(['k1', 'k2', 'k3']);
    expect(changes).toEqual([removed('k3')]);
    expect((thrown as Error).message).toBe('403 (2 of 3 items failed)');
  });

  it('stops at the first item told to wait, keeping what it changed before and asking about none after', async () => {
    const { asked, changes, thrown } = await run((id) => (id === 'k2' ? wait() : removed(id)));
    expect(asked).toEqual(['k1', 'k2']);
    expect(changes).toEqual([removed('k1')]);
    expect(thrown).toBeInstanceOf(RateLimitedError);
    expect((thrown as Error).message).toBe('the IBM Cloud request budget of a1 is used up for now');
  });

  it('a wait after a failure does not hide it: the failure is reported (a retry spent), and no item after is asked about', async () => {
    const { asked, thrown } = await run((id) => (id === 'k1' ? new RetryableError('IBM Cloud answered 503') : id === 'k2' ? wait() : removed(id)));
    expect(asked).toEqual(['k1', 'k2']);
    expect(thrown).not.toBeInstanceOf(RateLimitedError);
    expect(thrown).toBeInstanceOf(RetryableError);
    expect((thrown as Error).message).toBe('IBM Cloud answered 503');
  });
});
