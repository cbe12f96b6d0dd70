import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { Keys } from '../../src/redis.js';
import type { OffboardRequest } from '../../src/requests/request.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { mayView } from '../../src/requests/request-visibility.js';
import { sampleRequest } from '../support/sample-request.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  await redis.quit();
});

function fresh() {
  const keys = new Keys(`subject-email-test-${randomUUID()}`);
  return { keys, store: new RequestStore(redis, keys), audit: new AuditTrail(redis, keys) };
}

/** Jane asked for by email when Slack could not find her: her request names no Slack user. */
const NO_SLACK = { slackUserId: null, name: 'jane.doe@acme.example', email: 'jane.doe@acme.example' };

async function stored(store: RequestStore, fields: Partial<OffboardRequest> = {}): Promise<OffboardRequest> {
  const { id: _i, createdAt: _c, status: _s, ...rest } = sampleRequest(fields);
  return store.create(rest);
}

describe('a request about someone named by email only', () => {
  it('is open about them whether they are asked about by Slack user id and email, or by email in another letter case', async () => {
    const { store } = fresh();
    const request = await stored(store, { subject: NO_SLACK });

    expect(await store.openAbout({ slackUserId: 'U0JANE001', email: 'jane.doe@acme.example' })).toBe(request.id);
    expect(await store.openAbout({ email: 'Jane.Doe@ACME.example' })).toBe(request.id);
    // What it is not: about someone else, nor found by a Slack user id alone.
    expect(await store.openAbout({ slackUserId: 'U0JANE001' })).toBeUndefined();
    expect(await store.openAbout({ slackUserId: 'U0RILEY01', email: 'riley.ito@acme.example' })).toBeUndefined();
  });

  it('stops a second request about the same person picked in Slack: one lifecycle per person', async () => {
    const { store, audit } = fresh();
    const first = await stored(store, { subject: NO_SLACK });
    const { id: _i, createdAt: _c, status: _s, ...picked } = sampleRequest();

    const second = await store.createForSubmission(picked, 'V0SECOND', 'h1', (r) =>
      audit.start(r.id, { type: 'request.submitted', actor: 'U0MORGAN1', request: r }),
    );

    expect(second).toMatchObject({ kind: 'open', id: first.id });
    expect((await store.recentReadable(10)).requests.map((r) => r.id)).toEqual([first.id]);
  });

  it('lists the later requests about the person, however each named them', async () => {
    const { keys } = fresh();
    let now = Date.parse('2026-11-23T10:00:00.000Z');
    const store = new RequestStore(redis, keys, () => new Date(now));
    const first = await stored(store, { subject: NO_SLACK });
    await store.patch(first.id, { status: 'rejected' });
    now += 60_000;
    const later = await stored(store);

    expect(await store.laterAbout(first)).toEqual([later.id]);
  });

  it('is listed among the requests about them, with those that name their Slack user id, newest first', async () => {
    const { keys } = fresh();
    let now = Date.parse('2026-11-23T10:00:00.000Z');
    const store = new RequestStore(redis, keys, () => new Date(now));
    const byEmail = await stored(store, { subject: NO_SLACK });
    await store.patch(byEmail.id, { status: 'rejected' });
    now += 60_000;
    const picked = await stored(store);
    await stored(store, { subject: { slackUserId: 'U0RILEY01', name: 'Riley Ito', email: 'riley.ito@acme.example' } });

    const about = await store.about({ slackUserId: 'U0JANE001', email: 'jane.doe@acme.example' });

    expect(about.requests.map((r) => r.id)).toEqual([picked.id, byEmail.id]);
    expect((await store.about({ slackUserId: 'U0JANE001' })).requests.map((r) => r.id)).toEqual([picked.id]);
  });

  it('is not shown to the person it is about, matched by the email on their Slack profile', () => {
    const request = sampleRequest({ subject: NO_SLACK });
    const jane = { userId: 'U0JANE001', isApprover: true, isCompliance: true };

    expect(mayView({ ...jane, email: 'JANE.DOE@acme.example' }, request)).toBe(false);
    expect(mayView({ userId: 'U0ALEX001', isApprover: true, isCompliance: false, email: 'alex.admin@acme.example' }, request)).toBe(true);
  });
});
