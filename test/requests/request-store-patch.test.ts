import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { verifyChain } from '../../src/audit/verify-chain.js';
import { Keys } from '../../src/redis.js';
import type { NewRequest, OffboardRequest } from '../../src/requests/request.js';
import { RequestStore, RequestUnreadableError } from '../../src/requests/request-store.js';
import { sampleRequest } from '../support/sample-request.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  await redis.quit();
});

function fresh() {
  const keys = new Keys(`patch-test-${randomUUID()}`);
  return { keys, store: new RequestStore(redis, keys) };
}

/** A request as a newer version might store it: fields this one does not know, empty arrays and objects among them. */
const EMPTIES = { handOver: [], labels: {}, nested: { list: [], map: {}, deeper: [{}, []] } };

async function stored(store: RequestStore, fields: Partial<OffboardRequest> = {}): Promise<OffboardRequest> {
  const { id: _i, createdAt: _c, status: _s, ...rest } = sampleRequest(fields);
  return store.create(rest);
}

const indexOf = (keys: Keys, status: string) => redis.zrange(keys.statusIndex(status), '0', '-1');

describe('patching a stored request in real Redis', () => {
  it('keeps every empty array and empty object as it was stored, through status changes and patches', async () => {
    const { keys, store } = fresh();
    const request = await stored(store);
    await redis.set(keys.request(request.id), JSON.stringify({ ...request, ...EMPTIES }));

    await store.patch(request.id, { status: 'approved', decision: { outcome: 'approved', by: 'U0ALEX001', at: '2026-11-23T10:01:00.000Z' } }, ['pending']);
    await store.patch(request.id, { approvalMessage: { channel: 'C0APPROVAL', ts: '1.2' } });
    await store.patch(request.id, { status: 'disabled' }, ['approved']);

    const raw = JSON.parse((await redis.get(keys.request(request.id)))!) as Record<string, unknown>;
    expect(raw).toMatchObject(EMPTIES);
    expect(raw.nested).toEqual(EMPTIES.nested);
    expect(raw.notes).toBe('');
    expect(await store.mustGet(request.id)).toMatchObject({ status: 'disabled', approvalMessage: { channel: 'C0APPROVAL', ts: '1.2' } });
  });

  it('refuses a patch that would store a request that no longer reads (a round with no steps), and the stored request stays as it was', async () => {
    const { keys, store } = fresh();
    const request = await stored(store, {});
    await store.patch(request.id, { status: 'disabled' });
    const before = await redis.get(keys.request(request.id));

    await expect(
      store.patch(request.id, { status: 'approved', nextRound: { round: 2, phase: 'reinstate', steps: [], by: 'U0ALEX001' } }, ['disabled']),
    ).rejects.toThrow();

    expect(await redis.get(keys.request(request.id))).toBe(before);
    expect((await store.mustGet(request.id)).status).toBe('disabled');
    expect(await indexOf(keys, 'disabled')).toEqual([request.id]);
    expect(await indexOf(keys, 'approved')).toEqual([]);
  });

  it('of ten concurrent decisions on a pending request exactly one applies, and the request moves to its new status index once', async () => {
    const { keys, store } = fresh();
    const request = await stored(store);
    const approvers = Array.from({ length: 10 }, (_, i) => `U0APPR${i}`);

    const results = await Promise.all(
      approvers.map((by) => store.patch(request.id, { status: 'approved', decision: { outcome: 'approved', by, at: new Date().toISOString() } }, ['pending'])),
    );

    const winners = results.filter((r) => r.applied);
    expect(winners).toHaveLength(1);
    const after = await store.mustGet(request.id);
    expect(after.decision?.by).toBe(winners[0]!.request.decision?.by);
    for (const r of results.filter((x) => !x.applied)) expect(r.request.status).toBe('approved');
    expect(await indexOf(keys, 'pending')).toEqual([]);
    expect(await indexOf(keys, 'approved')).toEqual([request.id]);
  });

  it('concurrent patches of different fields are all kept: a lost race merges again into what won', async () => {
    const { store } = fresh();
    const request = await stored(store);

    await Promise.all([
      store.patch(request.id, { approvalMessage: { channel: 'C0APPROVAL', ts: '1.1' } }),
      store.patch(request.id, { checklistMessage: { channel: 'C0APPROVAL', ts: '1.2' } }),
      store.patch(request.id, { lastRescan: { at: '2026-11-23T11:00:00.000Z', phase: 'delete', findings: 0 } }),
      store.patch(request.id, { status: 'approved' }, ['pending']),
    ]);

    expect(await store.mustGet(request.id)).toMatchObject({
      status: 'approved',
      approvalMessage: { ts: '1.1' },
      checklistMessage: { ts: '1.2' },
      lastRescan: { findings: 0 },
    });
  });

  it('a request that is not JSON, or not a request, is reported as unreadable with what is wrong, not patched', async () => {
    const { keys, store } = fresh();
    const request = await stored(store);
    await redis.set(keys.request(request.id), JSON.stringify({ ...request, nextRound: { round: 2, phase: 'reinstate', steps: {}, by: 'U0ALEX001' } }));

    const err = await store.patch(request.id, { status: 'completed' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestUnreadableError);
    expect((err as RequestUnreadableError).problem).toContain('nextRound.steps');

    await redis.set(keys.request(request.id), '{"id": "OFF-ABC123", ');
    await expect(store.get(request.id)).rejects.toThrow(/cannot be read: it is not JSON/);
    expect(await redis.get(keys.request(request.id))).toBe('{"id": "OFF-ABC123", ');
  });
});

describe('what the scripts that create a request and its trail store, in real Redis', () => {
  it("keeps empty arrays and objects in the request a view submission stores, in its trail's first entry and in every entry appended after; the chain still verifies", async () => {
    const { keys, store } = fresh();
    const audit = new AuditTrail(redis, keys);
    const { id: _i, createdAt: _c, status: _s, ...fields } = sampleRequest();

    const stored = await store.createForSubmission({ ...fields, ...EMPTIES } as NewRequest, 'V0EMPTY', 'hash-1', (request) =>
      audit.start(request.id, { type: 'request.submitted', actor: 'U0MORGAN1', request }),
    );
    if (stored.kind !== 'created') throw new Error(`expected a new request, got ${stored.kind}`);
    const id = stored.request.id;
    await audit.append(id, { type: 'request.previewed', items: [], identities: [], privileges: [] });

    const raw = JSON.parse((await redis.get(keys.request(id)))!) as Record<string, unknown>;
    expect(raw).toMatchObject(EMPTIES);
    expect(raw.nested).toEqual(EMPTIES.nested);
    const chain = await audit.chain(id);
    expect((chain.entries[0]!.event as { request: Record<string, unknown> }).request.nested).toEqual(EMPTIES.nested);
    expect(chain.entries[1]!.event).toEqual({ type: 'request.previewed', items: [], identities: [], privileges: [] });
    expect(verifyChain(id, chain.entries, chain.head)).toMatchObject({ intact: true });
    // Nothing else was stored for the submission: no second request, no entry beyond the two written.
    expect(await store.count()).toBe(1);
    expect(chain.entries).toHaveLength(2);
  });
});

describe('who has an open request about them', () => {
  it('a pending, approved (a later effective time included) or disabled request about a person is open; rejected, reinstated and completed ones are not', async () => {
    const { store } = fresh();
    const request = await stored(store, { effectiveAt: '2099-01-01T00:00:00.000Z' });
    const open = async () => store.openAbout({ slackUserId: 'U0JANE001' });

    expect(await open()).toBe(request.id);
    for (const [status, isOpen] of [
      ['approved', true],
      ['disabled', true],
      ['reinstated', false],
      ['completed', false],
      ['rejected', false],
    ] as const) {
      await store.patch(request.id, { status });
      expect(await open(), status).toBe(isOpen ? request.id : undefined);
    }
    expect(await store.openAbout({ slackUserId: 'U0ALEX001' })).toBeUndefined();
  });

  it('is found from the indexes alone: a request whose stored record does not read still counts as open', async () => {
    const { keys, store } = fresh();
    const request = await stored(store);
    await redis.set(keys.request(request.id), 'not json');

    expect(await store.openAbout({ slackUserId: 'U0JANE001' })).toBe(request.id);
  });

  it('lists the requests about the same person filed after a request, and none before it', async () => {
    let clock = Date.parse('2026-11-23T10:00:00.000Z');
    const keys = new Keys(`patch-test-${randomUUID()}`);
    const store = new RequestStore(redis, keys, () => {
      clock += 1000;
      return new Date(clock);
    });
    const a = await stored(store);
    const other = await stored(store, { subject: { slackUserId: 'U0CHRIS01', name: 'Chris Contractor', email: 'chris@acme.example' } });
    const b = await stored(store);

    expect(await store.laterAbout(a)).toEqual([b.id]);
    expect(await store.laterAbout(b)).toEqual([]);
    expect(await store.laterAbout(other)).toEqual([]);
  });
});
