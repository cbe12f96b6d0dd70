import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { verifyChain } from '../../src/audit/verify-chain.js';
import { Keys } from '../../src/redis.js';
import type { NewRequest, OffboardRequest } from '../../src/requests/request.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { sampleRequest } from '../support/sample-request.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  await redis.quit();
});

function fresh() {
  const keys = new Keys(`store-test-${randomUUID()}`);
  const audit = new AuditTrail(redis, keys);
  return { keys, audit, store: new RequestStore(redis, keys) };
}

function newRequest(): NewRequest {
  const { id: _id, createdAt: _c, status: _s, ...fields } = sampleRequest();
  return fields;
}

const submittedBy = (audit: AuditTrail) => (request: OffboardRequest) =>
  audit.start(request.id, { type: 'request.submitted', actor: request.requester.slackUserId!, request });

describe('storing the request of a form submission', () => {
  it('stores the request and the first entry of its trail in one step: the trail opens with request.submitted and its chain verifies', async () => {
    const { audit, store } = fresh();

    const stored = await store.createForSubmission(newRequest(), 'V0FORM001', 'hash-1', submittedBy(audit));

    expect(stored.kind).toBe('created');
    const id = (stored as { request: OffboardRequest }).request.id;
    expect((await store.get(id))?.status).toBe('pending');
    const trail = await audit.read(id);
    expect(trail.map((e) => e.type)).toEqual(['request.submitted']);
    expect(trail[0]).toMatchObject({ actor: 'U0MORGAN1', request: { id, ticket: 'HR-1' } });
    const chain = await audit.chain(id);
    expect(verifyChain(id, chain.entries, chain.head)).toMatchObject({ intact: true, entries: 1 });

    // Later events link on from the first, as if it had been appended.
    await audit.append(id, { type: 'request.approved', actor: 'U0ALEX001', approvers: ['U0ALEX001'] });
    const longer = await audit.chain(id);
    expect(verifyChain(id, longer.entries, longer.head)).toMatchObject({ intact: true, entries: 2 });
  });

  it('the same submission delivered again stores nothing more: no second request, no second trail entry', async () => {
    const { audit, store, keys } = fresh();
    const first = await store.createForSubmission(newRequest(), 'V0FORM001', 'hash-1', submittedBy(audit));
    const id = (first as { request: OffboardRequest }).request.id;

    const again = await store.createForSubmission(newRequest(), 'V0FORM001', 'hash-1', submittedBy(audit));

    expect(again).toEqual({ kind: 'submitted', earlier: id });
    expect(await redis.zrange(keys.requestIndex(), '0', '-1')).toEqual([id]);
    expect(await audit.read(id)).toHaveLength(1);
  });

  it('a second request about a person with an open one is refused, and writes neither a request nor a trail', async () => {
    const { audit, store, keys } = fresh();
    const first = await store.createForSubmission(newRequest(), 'V0FORM001', 'hash-1', submittedBy(audit));
    const id = (first as { request: OffboardRequest }).request.id;
    let drawn: string | undefined;

    const second = await store.createForSubmission(newRequest(), 'V0FORM002', 'hash-2', (request) => {
      drawn = request.id;
      return submittedBy(audit)(request);
    });

    expect(second.kind).toBe('open');
    expect(await redis.zrange(keys.requestIndex(), '0', '-1')).toEqual([id]);
    expect(await redis.exists(keys.request(drawn!), keys.audit(drawn!))).toBe(0);
  });
});
