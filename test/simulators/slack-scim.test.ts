import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackSimulator, type ScimSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';

const BOT_TOKEN = 'xoxb-sim-bot-token';
const ADMIN_TOKEN = 'xoxp-sim-admin-token';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** `adminToken` null: a simulator without SCIM. */
async function sim(adminToken: string | null = ADMIN_TOKEN): Promise<SlackSimulator> {
  const s = await startSlackSimulator({
    botToken: BOT_TOKEN,
    ...(adminToken !== null ? { adminToken } : {}),
    users: [
      { id: 'U0ALICE01', name: 'alice', realName: 'Alice Leaver', email: 'Alice@Example.com' },
      { id: 'U0BOB0001', name: 'bob', realName: 'Bob Approver', email: 'bob@example.com' },
      { id: 'U0CAROL01', name: 'carol', realName: 'Carol Stayer', email: 'carol@example.com' },
      { id: 'U0HELPER1', name: 'helper-bot', realName: 'Helper', isBot: true },
    ],
  });
  cleanups.push(() => s.close());
  return s;
}

function scimOf(s: SlackSimulator): ScimSimulator {
  if (!s.scim) throw new Error('the simulator was started without an admin token');
  return s.scim;
}

async function scim(s: SlackSimulator, method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) {
  const res = await fetch(new URL(path, scimOf(s).url), {
    method,
    headers: {
      ...(token !== null ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/scim+json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: the tests read SCIM bodies of every shape, field by field
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

const setActive = (active: boolean) => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: active }] });

describe('Slack SCIM v2 simulator', () => {
  describe('reading users', () => {
    it('answers GET /Users/{id} with the workspace user as a SCIM User resource', async () => {
      const s = await sim();
      const res = await scim(s, 'GET', 'Users/U0ALICE01');

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        id: 'U0ALICE01',
        userName: 'alice',
        displayName: 'alice',
        name: { givenName: 'Alice', familyName: 'Leaver' },
        active: true,
        emails: [{ value: 'Alice@Example.com', primary: true }],
        meta: { location: `${scimOf(s).url}Users/U0ALICE01` },
      });
    });

    it('answers 404 with a SCIM error body for an unknown user, and for a bot, which SCIM does not know', async () => {
      const s = await sim();

      for (const id of ['U0NOBODY1', 'U0HELPER1']) {
        const res = await scim(s, 'GET', `Users/${id}`);
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404', detail: 'user_not_found' });
      }
    });

    it('finds a user by userName and by email, ignoring letter case', async () => {
      const s = await sim();

      const byName = await scim(s, 'GET', `Users?filter=${encodeURIComponent('userName eq "ALICE"')}`);
      const byEmail = await scim(s, 'GET', `Users?filter=${encodeURIComponent('emails.value eq "alice@example.COM"')}`);

      for (const res of [byName, byEmail]) {
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, startIndex: 1 });
        expect(res.body!.Resources.map((r: { id: string }) => r.id)).toEqual(['U0ALICE01']);
      }
    });

    it('pages the list with startIndex and count, and leaves bots out', async () => {
      const s = await sim();

      const first = await scim(s, 'GET', 'Users?startIndex=1&count=2');
      const second = await scim(s, 'GET', 'Users?startIndex=3&count=2');

      expect(first.body).toMatchObject({ totalResults: 3, itemsPerPage: 2, startIndex: 1 });
      expect(first.body!.Resources.map((r: { id: string }) => r.id)).toEqual(['U0ALICE01', 'U0BOB0001']);
      expect(second.body).toMatchObject({ totalResults: 3, itemsPerPage: 1, startIndex: 3 });
      expect(second.body!.Resources.map((r: { id: string }) => r.id)).toEqual(['U0CAROL01']);
    });

    it('refuses a filter it does not implement with 400 invalidFilter, rather than listing everyone', async () => {
      const s = await sim();
      const res = await scim(s, 'GET', `Users?filter=${encodeURIComponent('title co "eng"')}`);

      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
      expect(res.body!.Resources).toBeUndefined();
    });
  });

  describe('deactivating and reactivating', () => {
    it('deactivates on PATCH active false: SCIM, users.info and the sessions all show it', async () => {
      const s = await sim();

      const res = await scim(s, 'PATCH', 'Users/U0ALICE01', setActive(false));

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: 'U0ALICE01', active: false });
      expect((await scim(s, 'GET', 'Users/U0ALICE01')).body).toMatchObject({ active: false });
      expect(scimOf(s).user('U0ALICE01')).toMatchObject({ active: false });
      const info = await new WebClient(BOT_TOKEN, { slackApiUrl: s.apiUrl }).users.info({ user: 'U0ALICE01' });
      expect(info.user?.deleted).toBe(true);
      expect(scimOf(s).sessionEnds).toEqual([{ userId: 'U0ALICE01', at: expect.any(Number), via: 'PATCH' }]);
    });

    it('accepts the PatchOp form without a path ({value: {active: false}})', async () => {
      const s = await sim();
      const res = await scim(s, 'PATCH', 'Users/U0ALICE01', { schemas: [PATCH_OP], Operations: [{ op: 'Replace', value: { active: false } }] });

      expect(res.status).toBe(200);
      expect(scimOf(s).user('U0ALICE01')?.active).toBe(false);
    });

    it('reactivates on PATCH active true, without ending any session', async () => {
      const s = await sim();
      await scim(s, 'PATCH', 'Users/U0ALICE01', setActive(false));

      const res = await scim(s, 'PATCH', 'Users/U0ALICE01', setActive(true));

      expect(res.status).toBe(200);
      expect(scimOf(s).user('U0ALICE01')?.active).toBe(true);
      expect(s.user('U0ALICE01')?.deleted).toBe(false);
      expect(scimOf(s).sessionEnds).toHaveLength(1);
    });

    it('ends sessions once when an already deactivated user is deactivated again', async () => {
      const s = await sim();
      await scim(s, 'PATCH', 'Users/U0ALICE01', setActive(false));
      await scim(s, 'DELETE', 'Users/U0ALICE01');

      expect(scimOf(s).sessionEnds.map((e) => e.via)).toEqual(['PATCH']);
    });

    it('only deactivates on DELETE: 204, and the user is still there with active false', async () => {
      const s = await sim();

      const res = await scim(s, 'DELETE', 'Users/U0BOB0001');

      expect(res.status).toBe(204);
      expect(res.body).toBeUndefined();
      expect((await scim(s, 'GET', 'Users/U0BOB0001')).body).toMatchObject({ id: 'U0BOB0001', active: false });
      expect(scimOf(s).sessionEnds).toEqual([{ userId: 'U0BOB0001', at: expect.any(Number), via: 'DELETE' }]);
    });

    it('answers 404 to PATCH and DELETE of an unknown user and changes no one', async () => {
      const s = await sim();

      expect((await scim(s, 'PATCH', 'Users/U0NOBODY1', setActive(false))).status).toBe(404);
      expect((await scim(s, 'DELETE', 'Users/U0NOBODY1')).status).toBe(404);
      expect(['U0ALICE01', 'U0BOB0001', 'U0CAROL01'].map((id) => scimOf(s).user(id)?.active)).toEqual([true, true, true]);
      expect(scimOf(s).sessionEnds).toEqual([]);
    });

    it('refuses a PATCH of anything but active with 400, leaving the user active', async () => {
      const s = await sim();

      const otherPath = await scim(s, 'PATCH', 'Users/U0ALICE01', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'x' }] });
      const noSchema = await scim(s, 'PATCH', 'Users/U0ALICE01', { Operations: [{ op: 'replace', path: 'active', value: false }] });
      const stringValue = await scim(s, 'PATCH', 'Users/U0ALICE01', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: 'false' }] });

      for (const res of [otherPath, noSchema, stringValue]) {
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400' });
      }
      expect(scimOf(s).user('U0ALICE01')?.active).toBe(true);
    });

    it('lets a test re-enable an account from outside, as an admin or an IdP would', async () => {
      const s = await sim();
      await scim(s, 'PATCH', 'Users/U0ALICE01', setActive(false));

      scimOf(s).reactivateFromOutside('U0ALICE01');

      expect((await scim(s, 'GET', 'Users/U0ALICE01')).body).toMatchObject({ active: true });
      expect(() => scimOf(s).reactivateFromOutside('U0NOBODY1')).toThrow(/no SCIM user U0NOBODY1/);
    });

    it('can undo every change from outside: the PATCH and the DELETE are answered, the session ends, and the account reads as pinned', async () => {
      const s = await sim();
      scimOf(s).pinActive('U0ALICE01', true);

      expect((await scim(s, 'PATCH', 'Users/U0ALICE01', setActive(false))).status).toBe(200);
      expect((await scim(s, 'DELETE', 'Users/U0ALICE01')).status).toBe(204);

      expect(scimOf(s).sessionEnds.map((e) => e.via)).toEqual(['PATCH', 'DELETE']);
      expect((await scim(s, 'GET', 'Users/U0ALICE01')).body).toMatchObject({ active: true });
      scimOf(s).pinActive('U0ALICE01', false);
      expect((await scim(s, 'PATCH', 'Users/U0ALICE01', setActive(true))).status).toBe(200);
      expect((await scim(s, 'GET', 'Users/U0ALICE01')).body).toMatchObject({ active: false });
      scimOf(s).pinActive('U0ALICE01', undefined);
      await scim(s, 'PATCH', 'Users/U0ALICE01', setActive(true));
      expect((await scim(s, 'GET', 'Users/U0ALICE01')).body).toMatchObject({ active: true });
      expect(() => scimOf(s).pinActive('U0NOBODY1', true)).toThrow(/no SCIM user U0NOBODY1/);
    });
  });

  describe('authentication', () => {
    it('answers 401 with a SCIM error to a missing or wrong token, and deactivates no one', async () => {
      const s = await sim();

      const missing = await scim(s, 'PATCH', 'Users/U0ALICE01', setActive(false), null);
      const wrong = await scim(s, 'PATCH', 'Users/U0ALICE01', setActive(false), 'xoxp-someone-else');

      for (const res of [missing, wrong]) {
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
      }
      expect(scimOf(s).user('U0ALICE01')?.active).toBe(true);
    });

    it('answers 403 to the bot token: SCIM needs a user token with the admin scope', async () => {
      const s = await sim();
      const res = await scim(s, 'GET', 'Users/U0ALICE01', undefined, BOT_TOKEN);

      expect(res.status).toBe(403);
      expect(res.body!.detail).toMatch(/admin scope/);
    });

    it('has no SCIM without an admin token', async () => {
      const s = await sim(null);

      expect(s.scim).toBeUndefined();
      const res = await fetch(new URL('/scim/v2/Users/U0ALICE01', s.apiUrl), { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(res.status).toBe(404);
    });
  });

  describe('recording and faults', () => {
    it('records every SCIM call with its method, path, query and status', async () => {
      const s = await sim();
      await scim(s, 'GET', 'Users/U0ALICE01');
      await scim(s, 'GET', 'Users?count=1');
      await scim(s, 'PATCH', 'Users/U0ALICE01', setActive(false), 'xoxp-wrong');

      expect(scimOf(s).calls.map(({ method, path, query, status }) => ({ method, path, query, status }))).toEqual([
        { method: 'GET', path: '/Users/U0ALICE01', query: '', status: 200 },
        { method: 'GET', path: '/Users', query: 'count=1', status: 200 },
        { method: 'PATCH', path: '/Users/U0ALICE01', query: '', status: 401 },
      ]);
      expect(scimOf(s).calls.every((c) => typeof c.at === 'number')).toBe(true);
    });

    it('answers 429 with Retry-After in seconds `times` times, then serves again', async () => {
      const s = await sim();
      scimOf(s).fault({ method: 'PATCH', status: 429, retryAfter: 7, times: 1 });

      const limited = await scim(s, 'PATCH', 'Users/U0ALICE01', setActive(false));
      expect(limited).toMatchObject({ status: 429, retryAfter: '7', body: { status: '429' } });
      expect(scimOf(s).user('U0ALICE01')?.active).toBe(true);

      expect((await scim(s, 'PATCH', 'Users/U0ALICE01', setActive(false))).status).toBe(200);
    });

    it('sends Retry-After as an HTTP date when given a Date', async () => {
      const s = await sim();
      const when = new Date(Date.now() + 60_000);
      scimOf(s).fault({ status: 429, retryAfter: when, times: 1 });

      const res = await scim(s, 'GET', 'Users/U0ALICE01');
      expect(res.retryAfter).toBe(when.toUTCString());
    });

    it('fails only the matching method and path with a 5xx', async () => {
      const s = await sim();
      scimOf(s).fault({ method: 'PATCH', path: '/Users/U0ALICE01', status: 503 });

      expect((await scim(s, 'PATCH', 'Users/U0ALICE01', setActive(false))).status).toBe(503);
      expect((await scim(s, 'GET', 'Users/U0ALICE01')).status).toBe(200);
      expect((await scim(s, 'PATCH', 'Users/U0BOB0001', setActive(false))).status).toBe(200);
      expect(scimOf(s).user('U0ALICE01')?.active).toBe(true);

      scimOf(s).clearFaults();
      expect((await scim(s, 'PATCH', 'Users/U0ALICE01', setActive(false))).status).toBe(200);
    });

    it('refuses with an injected 403 and changes nothing', async () => {
      const s = await sim();
      scimOf(s).fault({ method: 'DELETE', status: 403 });

      const res = await scim(s, 'DELETE', 'Users/U0ALICE01');

      expect(res).toMatchObject({ status: 403, body: { schemas: [ERROR_SCHEMA], status: '403' } });
      expect(scimOf(s).user('U0ALICE01')?.active).toBe(true);
      expect(scimOf(s).sessionEnds).toEqual([]);
    });

    it('can apply a change and still answer 500 (afterApply), so callers must read back', async () => {
      const s = await sim();
      scimOf(s).fault({ method: 'PATCH', status: 500, afterApply: true, times: 1 });

      expect((await scim(s, 'PATCH', 'Users/U0ALICE01', setActive(false))).status).toBe(500);
      expect(scimOf(s).user('U0ALICE01')?.active).toBe(false);
    });

    it('delays matching requests, then answers them normally', async () => {
      const s = await sim();
      scimOf(s).fault({ method: 'GET', delayMs: 150, times: 1 });

      const started = Date.now();
      const res = await scim(s, 'GET', 'Users/U0ALICE01');
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('refuses fault rules that cannot happen', async () => {
      const s = await sim();

      expect(() => scimOf(s).fault({ path: '/Users' })).toThrow(/status, a delayMs/);
      expect(() => scimOf(s).fault({ status: 403, retryAfter: 5 })).toThrow(/retryAfter/);
      expect(() => scimOf(s).fault({ status: 429, afterApply: true })).toThrow(/afterApply/);
    });
  });
});
