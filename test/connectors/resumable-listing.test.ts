import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/audit-event.js';
import { ResumableListing, type Pager } from '../../src/connectors/ibm-cloud/resumable-listing.js';
import { observingListings, readAtOf, readingFresh } from '../../src/connectors/read-fresh.js';
import { askerOf } from '../../src/runs/step-job.js';
import { runView } from '../../src/runs/run-view.js';

/** A turn of the event loop: a listing asked for has made its first page call after it. */
const begun = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * An account of three pages read through a pager as the IBM SDK's behave: a page that fails is
 * asked for again on the next getNext. `failures` says which page reads fail (by page, how many times).
 */
function account(failures: Record<number, number> = {}) {
  const pages = [['a', 'b'], ['c', 'd'], ['e']];
  const reads: number[] = [];
  const left = { ...failures };
  const open = (): Pager<string> => {
    let page = 0;
    return {
      hasNext: () => page < pages.length,
      async getNext() {
        reads.push(page);
        await sleep(1);
        if ((left[page] ?? 0) > 0) {
          left[page]!--;
          throw new Error(`IBM answered 503 for page ${page}`);
        }
        return pages[page++]!;
      },
    };
  };
  return { open, reads, everything: pages.flat() };
}

describe('an account-wide listing that fails part-way', () => {
  it('is taken up from the page that failed by the asker that waited on it: the pages it read are not read again', async () => {
    const listing = new ResumableListing<string>(60_000);
    const acct = account({ 1: 1 });
    await expect(listing.list('acct', 'step-1', acct.open)).rejects.toThrow('page 1');
    expect(await listing.list('acct', 'step-1', acct.open)).toEqual(acct.everything);
    // Page 0 once, page 1 twice (the failure and its retry), page 2 once.
    expect(acct.reads).toEqual([0, 1, 1, 2]);
  });

  it('serves a caller that did not wait on it with a listing of its own, from the first page', async () => {
    const listing = new ResumableListing<string>(60_000);
    const acct = account({ 1: 1 });
    await expect(listing.list('acct', 'step-1', acct.open)).rejects.toThrow();
    expect(await listing.list('acct', 'step-2', acct.open)).toEqual(acct.everything);
    expect(await listing.list('acct', undefined, acct.open)).toEqual(acct.everything);
    expect(acct.reads).toEqual([0, 1, 0, 1, 2, 0, 1, 2]);
  });

  it('is taken up once per asker: the same asker asking again afterwards gets a new listing', async () => {
    const listing = new ResumableListing<string>(60_000);
    const acct = account({ 2: 1 });
    await expect(listing.list('acct', 'step-1', acct.open)).rejects.toThrow();
    await listing.list('acct', 'step-1', acct.open);
    const readsBefore = acct.reads.length;
    expect(await listing.list('acct', 'step-1', acct.open)).toEqual(acct.everything);
    expect(acct.reads.slice(readsBefore)).toEqual([0, 1, 2]);
  });

  it('is shared by every asker that waited on it, and kept again for all of them when the resumed listing fails too', async () => {
    const listing = new ResumableListing<string>(60_000);
    const acct = account({ 1: 3 });
    // A listing is under way, so step-1 and step-2 wait together for the next one.
    const under = listing.list('acct', undefined, acct.open);
    await begun();
    const together = [listing.list('acct', 'step-1', acct.open), listing.list('acct', 'step-2', acct.open)];
    await expect(under).rejects.toThrow('page 1');
    for (const p of together) await expect(p).rejects.toThrow('page 1');
    // step-1 comes back first and fails again at the same page; step-2 has not come back yet.
    await expect(listing.list('acct', 'step-1', acct.open)).rejects.toThrow('page 1');
    const again = await Promise.all([listing.list('acct', 'step-2', acct.open), listing.list('acct', 'step-1', acct.open)]);
    expect(again).toEqual([acct.everything, acct.everything]);
    // The listing under way; theirs, failing at page 1; step-1's take-up, failing there again; both, to the end.
    expect(acct.reads).toEqual([0, 1, 0, 1, 1, 1, 2]);
  });

  it('keeps each failed listing for its own askers while another fails', async () => {
    const listing = new ResumableListing<string>(60_000);
    const acct = account({ 1: 2 });
    const first = listing.list('acct', 'step-1', acct.open);
    await begun();
    const second = listing.list('acct', 'step-2', acct.open);
    await expect(first).rejects.toThrow();
    await expect(second).rejects.toThrow();
    expect(await listing.list('acct', 'step-1', acct.open)).toEqual(acct.everything);
    expect(await listing.list('acct', 'step-2', acct.open)).toEqual(acct.everything);
    // Each listing read page 0 once; each take-up went on from page 1.
    expect(acct.reads).toEqual([0, 1, 0, 1, 1, 2, 1, 2]);
  });

  it('is kept only for a while: after that its askers start again from the first page', async () => {
    const listing = new ResumableListing<string>(20);
    const acct = account({ 1: 1 });
    await expect(listing.list('acct', 'step-1', acct.open)).rejects.toThrow();
    await sleep(60);
    expect(await listing.list('acct', 'step-1', acct.open)).toEqual(acct.everything);
    expect(acct.reads).toEqual([0, 1, 0, 1, 2]);
  });

  it('is kept per account: a failure in one account is not taken up in another', async () => {
    const listing = new ResumableListing<string>(60_000);
    const failing = account({ 1: 1 });
    const other = account();
    await expect(listing.list('acct-a', 'step-1', failing.open)).rejects.toThrow();
    expect(await listing.list('acct-b', 'step-1', other.open)).toEqual(other.everything);
    expect(other.reads).toEqual([0, 1, 2]);
    expect(failing.reads).toEqual([0, 1]);
  });
});

describe('a listing many callers need at once', () => {
  it('is read once for every caller that asked before it began, never from one that began before a caller asked', async () => {
    const listing = new ResumableListing<string>(60_000);
    const acct = account();
    const first = listing.list('acct', 'step-1', acct.open);
    await begun();
    const waiting = [listing.list('acct', 'step-2', acct.open), listing.list('acct', undefined, acct.open)];
    expect(await first).toEqual(acct.everything);
    expect(await Promise.all(waiting)).toEqual([acct.everything, acct.everything]);
    // Two listings: the first, and the one that began after it for both later callers.
    expect(acct.reads).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('is read once for every caller asking in the same turn, before its first page call', async () => {
    const listing = new ResumableListing<string>(60_000);
    const acct = account();
    const callers = Array.from({ length: 100 }, (_, i) => listing.list('acct', `step-${i}`, acct.open));
    expect(await Promise.all(callers)).toEqual(callers.map(() => acct.everything));
    expect(acct.reads).toEqual([0, 1, 2]);
  });

  it('keeps a listing that failed for every asker that joined it before it began', async () => {
    const listing = new ResumableListing<string>(60_000);
    const acct = account({ 1: 1 });
    const joined = [listing.list('acct', 'step-1', acct.open), listing.list('acct', 'step-2', acct.open)];
    for (const p of joined) await expect(p).rejects.toThrow('page 1');
    expect(await Promise.all([listing.list('acct', 'step-1', acct.open), listing.list('acct', 'step-2', acct.open)])).toEqual([
      acct.everything,
      acct.everything,
    ]);
    expect(acct.reads).toEqual([0, 1, 1, 2]);
  });
});

describe("the name a step's listings go by", () => {
  const at = '2026-11-24T12:00:00.000Z';
  const step = 'ibm-cloud.acct-1.api-keys';
  const started: AuditRecord = { type: 'step.started', stepId: step, attempt: 1, seq: '1-0', at };

  it('stays the same from attempt to attempt while the step has changed nothing, so the next attempt takes its failed listing up', () => {
    expect(askerOf(runView([started]), step, 'OFF-1', 1)).toBe(askerOf(runView([started, { ...started, attempt: 2, seq: '2-0' }]), step, 'OFF-1', 1));
  });

  it('changes once the step records a change, so a listing begun before it never serves the step afterwards', () => {
    const acting: AuditRecord = { type: 'step.acting', stepId: step, transactionId: 't', itemIds: ['k1'], seq: '2-0', at };
    expect(askerOf(runView([started, acting]), step, 'OFF-1', 1)).not.toBe(askerOf(runView([started]), step, 'OFF-1', 1));
    // Another step's change, another request or another round are other names again.
    expect(askerOf(runView([started, { ...acting, stepId: 'ibm-cloud.acct-2.api-keys' }]), step, 'OFF-1', 1)).toBe(
      askerOf(runView([started]), step, 'OFF-1', 1),
    );
    expect(askerOf(runView([started]), step, 'OFF-2', 1)).not.toBe(askerOf(runView([started]), step, 'OFF-1', 1));
    expect(askerOf(runView([started]), step, 'OFF-1', 2)).not.toBe(askerOf(runView([started]), step, 'OFF-1', 1));
  });
});

describe('a listing allowed an age', () => {
  it('answers callers while it is younger than its age, and none once it is older: they get a listing of their own time', async () => {
    const listing = new ResumableListing<string>(60_000, 40);
    const acct = account();
    expect(await listing.list('acct-1', undefined, acct.open)).toEqual(acct.everything);
    expect(await listing.list('acct-1', 'someone-else', acct.open)).toEqual(acct.everything);
    expect(acct.reads).toEqual([0, 1, 2]);
    await sleep(60);
    expect(await listing.list('acct-1', undefined, acct.open)).toEqual(acct.everything);
    expect(acct.reads).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('answers a caller asking while it is under way when it ends, instead of a second pass; never a read-back, nor once the bot changed the account', async () => {
    const listing = new ResumableListing<string>(60_000, 60_000);
    const acct = account();
    const first = listing.list('acct-1', 'step-1', acct.open);
    await begun();
    const joined = listing.list('acct-1', 'step-2', acct.open);
    expect(await Promise.all([first, joined])).toEqual([acct.everything, acct.everything]);
    // One pass for both.
    expect(acct.reads).toEqual([0, 1, 2]);

    const under = listing.list('acct-3', 'step-1', acct.open);
    await begun();
    const fresh = readingFresh(() => listing.list('acct-3', 'read-back', acct.open));
    expect(await Promise.all([under, fresh])).toEqual([acct.everything, acct.everything]);
    // The read-back's pass began after it asked.
    expect(acct.reads).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);

    const again = listing.list('acct-2', 'step-1', acct.open);
    await begun();
    const late = listing.list('acct-2', 'step-2', acct.open);
    listing.changed('acct-2');
    expect(await Promise.all([again, late])).toEqual([acct.everything, acct.everything]);
    // The late caller's answer comes from a pass begun after the change.
    expect(acct.reads).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
  });

  it('answers nobody once the bot has changed the account since it began, in that account only', async () => {
    const listing = new ResumableListing<string>(60_000, 60_000);
    const acct = account();
    await listing.list('acct-1', undefined, acct.open);
    await listing.list('acct-2|IBMid-1', undefined, acct.open);
    listing.changed('acct-2');
    await listing.list('acct-1', undefined, acct.open);
    await listing.list('acct-2|IBMid-1', undefined, acct.open);
    // acct-1 once; acct-2's listing (narrowed to a person) twice: before and after the change.
    expect(acct.reads).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
  });

  it('is let go as soon as the bot changes the account, not held until its age runs out', async () => {
    const listing = new ResumableListing<{ id: string }>(60_000, 60_000);
    const items = new WeakRef((await listing.list('acct-1', undefined, () => pagesOf([{ id: 'key-1' }])))[0]!);
    const elsewhere = new WeakRef((await listing.list('acct-2', undefined, () => pagesOf([{ id: 'key-2' }])))[0]!);
    listing.changed('acct-1');
    await collectGarbage();
    expect(items.deref()).toBeUndefined();
    // Still fresh in the account the bot did not change: kept for the callers to come.
    expect(elsewhere.deref()).toEqual({ id: 'key-2' });
  });

  it('is let go as soon as the bot changes something in an account it cannot name', async () => {
    const listing = new ResumableListing<{ id: string }>(60_000, 60_000);
    const items = new WeakRef((await listing.list('acct-1', undefined, () => pagesOf([{ id: 'key-1' }])))[0]!);
    listing.changedEverywhere();
    await collectGarbage();
    expect(items.deref()).toBeUndefined();
  });

  it("answers nobody once the bot has changed what it lists of one person, and still answers for the account's other people", async () => {
    const listing = new ResumableListing<string>(60_000, 60_000);
    const acct = account();
    await listing.list('acct-1|IBMid-1', undefined, acct.open);
    await listing.list('acct-1|IBMid-2', undefined, acct.open);
    listing.changed('acct-1|IBMid-1');
    await listing.list('acct-1|IBMid-1', undefined, acct.open);
    await listing.list('acct-1|IBMid-2', undefined, acct.open);
    // IBMid-1's listing again after the change, IBMid-2's not.
    expect(acct.reads).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
  });

  it("of every owner's items (every API key of the account) answers callers wanting others' items after the bot changed one owner's, and no caller wanting that owner's", async () => {
    const listing = new ResumableListing<string>(60_000, 60_000);
    const acct = account();
    await listing.list('acct-1', 'preview', acct.open, 'IBMid-1');
    listing.changedFor('acct-1', 'IBMid-1');

    await listing.list('acct-1', 'step-2', acct.open, 'IBMid-2');
    expect(acct.reads).toEqual([0, 1, 2]);
    // A caller naming no owner wants everyone's, IBMid-1's among them: a listing begun after the change.
    await listing.list('acct-1', 'everyone', acct.open);
    expect(acct.reads).toEqual([0, 1, 2, 0, 1, 2]);
    await listing.list('acct-1', 'step-1', acct.open, 'IBMid-1');
    expect(acct.reads).toEqual([0, 1, 2, 0, 1, 2]);
    // A change of the whole account still answers nobody.
    listing.changed('acct-1');
    await listing.list('acct-1', 'step-3', acct.open, 'IBMid-3');
    expect(acct.reads).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
  });

  it("still under way when the bot changes one owner's items, answers the callers waiting for others' once it ends, and lists again for that owner's", async () => {
    const listing = new ResumableListing<string>(60_000, 60_000);
    const acct = account();
    const first = listing.list('acct-1', 'step-1', acct.open, 'IBMid-1');
    await begun();
    const [other, same] = [listing.list('acct-1', 'step-2', acct.open, 'IBMid-2'), listing.list('acct-1', 'step-3', acct.open, 'IBMid-1')];
    listing.changedFor('acct-1', 'IBMid-1');
    await Promise.all([first, other, same]);
    // The first pass for steps 1 and 2; step 3 (IBMid-1's, changed while it ran) waited for a second.
    expect(acct.reads).toEqual([0, 1, 2, 0, 1, 2]);
  });
});

describe('a look told which listing answered it (a step whose inventory found nothing ends verified by it)', () => {
  it('learns when the shared listing it was answered with began, before the look itself when it was read for someone else', async () => {
    const listing = new ResumableListing<string>(60_000, 60_000);
    const acct = account();
    await listing.list('acct-1', 'preview', acct.open);
    await sleep(20);

    const looked = await observingListings(() => listing.list('acct-1', 'step-1', acct.open));

    expect(looked.value).toEqual(acct.everything);
    expect(acct.reads).toEqual([0, 1, 2]);
    expect(looked.listings).toHaveLength(1);
    // Read for the preview, about 20 ms before the step looked: that is when what the step saw was read.
    expect(looked.startedAt - readAtOf(looked)).toBeGreaterThanOrEqual(15);
    expect(looked.listings[0]!.current()).toBe(true);
  });

  it('is told the listing can no longer answer anyone once it is older than its age', async () => {
    const listing = new ResumableListing<string>(60_000, 300);
    const acct = account();
    const looked = await observingListings(() => listing.list('acct-1', 'step-1', acct.open));
    expect(looked.listings[0]!.current()).toBe(true);

    await sleep(350);

    expect(looked.listings[0]!.current()).toBe(false);
  });

  it("is told the listing can no longer answer anyone once the bot has changed what it lists (the person's, or the account), and not for a change elsewhere", async () => {
    const listing = new ResumableListing<string>(60_000, 60_000);
    const acct = account();
    const [person, other] = await Promise.all([
      observingListings(() => listing.list('acct-1|IBMid-1', undefined, acct.open)),
      observingListings(() => listing.list('acct-2', undefined, acct.open)),
    ]);

    listing.changed('acct-1|IBMid-2');
    expect(person.listings[0]!.current()).toBe(true);
    listing.changed('acct-1');

    expect(person.listings[0]!.current()).toBe(false);
    expect(other.listings[0]!.current()).toBe(true);
  });

  it("is told a listing of every owner's items can no longer end a step unread once the bot changed any owner's items there: one paged across a removal can skip an entry", async () => {
    const listing = new ResumableListing<string>(60_000, 60_000);
    const acct = account();
    const looked = await observingListings(() => listing.list('acct-1', 'step-1', acct.open, 'IBMid-1'));
    expect(looked.listings[0]!.current()).toBe(true);

    listing.changedFor('acct-1', 'IBMid-2');

    expect(looked.listings[0]!.current()).toBe(false);
    // It still answers IBMid-1's next inventory (their items are as it listed them), which is told the same.
    const again = await observingListings(() => listing.list('acct-1', 'step-1b', acct.open, 'IBMid-1'));
    expect(acct.reads).toEqual([0, 1, 2]);
    expect(again.listings[0]!.current()).toBe(false);
  });

  it('a listing that failed part-way and is taken up later began when its first page was read: its age counts from then', async () => {
    const listing = new ResumableListing<string>(60_000, 300);
    const acct = account({ 1: 1 });
    await expect(listing.list('acct-1', 'step-1', acct.open)).rejects.toThrow('page 1');
    await sleep(350);

    const looked = await observingListings(() => listing.list('acct-1', 'step-1', acct.open));

    expect(looked.value).toEqual(acct.everything);
    expect(looked.startedAt - readAtOf(looked)).toBeGreaterThanOrEqual(300);
    expect(looked.listings[0]!.current()).toBe(false);
  });
});

/** A listing of one page, of fresh objects. */
function pagesOf<T>(items: T[]): Pager<T> {
  let done = false;
  return {
    hasNext: () => !done,
    getNext: async () => {
      done = true;
      return items;
    },
  };
}

/** A full garbage collection, after the turn in which the caller dropped its last references. */
async function collectGarbage(): Promise<void> {
  await sleep(0);
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
