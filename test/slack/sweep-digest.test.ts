import { LogLevel, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepCsv } from '../../src/connectors/ibm-cloud/sweep/sweep-csv.js';
import type { SweepItem } from '../../src/connectors/ibm-cloud/sweep/sweep-items.js';
import { startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import { sweepActionReply, sweepDigestMessage, sweepOverflowReply } from '../../src/connectors/ibm-cloud/sweep/sweep-digest.js';

/** The digest's messages at their largest, sent to the Slack simulator, which refuses what Slack refuses. */
const TOKEN = 'xoxb-sweep';
const CHANNEL = 'C0APPROVAL';
const ACCOUNT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const silent = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

let slack: SlackSimulator;
let web: WebClient;
beforeEach(async () => {
  slack = await startSlackSimulator({ botToken: TOKEN, users: [], channels: [CHANNEL] });
  web = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logger: silent });
});
afterEach(() => slack.close());

const HOSTILE = '<!channel> & *bold* <https://evil.example|x> ';
const KINDS: SweepItem['kind'][] = ['user', 'user-apikey', 'serviceid-apikey', 'serviceid', 'profile'];

/** `n` identities of every kind, each name 400 characters of text Slack would otherwise read as markup. */
function items(n: number): SweepItem[] {
  return Array.from({ length: n }, (_, i) => {
    const kind = KINDS[i % KINDS.length]!;
    return {
      kind,
      id: `id-${i}`,
      name: `${HOSTILE.repeat(10)}${i}`,
      ...(kind === 'user' ? { email: `person.${i}@acme.example` } : { owner: HOSTILE.repeat(5) }),
      lastAuthn: i % 3 ? '2025-01-14T08:30:00.000Z' : undefined,
    };
  });
}

describe('the sweep digest', () => {
  it('fits Slack with 2,000 identities of long, hostile names: the digest, its thread reply and the Disable outcome are accepted', async () => {
    const all = items(2_000);
    const digest = sweepDigestMessage({ account: ACCOUNT, items: all, inactiveDays: 30, reportEnd: '2026-12-06T09:00:00.000Z' });
    const posted = await web.chat.postMessage({ channel: CHANNEL, text: digest.text, blocks: digest.blocks });
    expect(posted.ok).toBe(true);
    expect(digest.shown).toBeGreaterThan(0);
    const reply = sweepOverflowReply(ACCOUNT, all.slice(digest.shown));
    expect((await web.chat.postMessage({ channel: CHANNEL, thread_ts: posted.ts!, ...reply })).ok).toBe(true);
    expect(JSON.stringify(reply.blocks)).toMatch(/and \d+ more, in the attached CSV/);
    const outcome = sweepActionReply({ action: 'disabled', actor: 'U0ALEX0001', account: ACCOUNT, kind: 'serviceid', id: 'id-3', name: all[3]!.name, keys: 2 });
    expect((await web.chat.postMessage({ channel: CHANNEL, thread_ts: posted.ts!, ...outcome })).ok).toBe(true);
  });

  it('escapes every outside string: no mention, link or markup of a name reaches Slack', () => {
    const text = JSON.stringify(sweepDigestMessage({ account: ACCOUNT, items: items(10), inactiveDays: 30 }).blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil');
    expect(text).toContain('&lt;!channel&gt; &amp;');
  });

  it('says so when no identity is inactive, with no buttons', () => {
    const digest = sweepDigestMessage({ account: ACCOUNT, items: [], inactiveDays: 30 });
    expect(digest.text).toContain(': none');
    expect(JSON.stringify(digest.blocks)).not.toContain('"button"');
  });
});

describe('the sweep CSV', () => {
  it('keeps a name that looks like a spreadsheet formula as text, and quotes every cell', () => {
    const csv = sweepCsv(ACCOUNT, [{ kind: 'serviceid', id: 'ServiceId-1', name: '=HYPERLINK("http://evil.example","x")', lastAuthn: undefined }]);
    const [header, row] = csv.trimEnd().split('\r\n');
    expect(header).toBe('"account","kind","id","name","email","belongs_to","last_authentication","status"');
    expect(row).toBe(`"${ACCOUNT}","service ID","ServiceId-1","'=HYPERLINK(""http://evil.example"",""x"")","","","never",""`);
  });
});
