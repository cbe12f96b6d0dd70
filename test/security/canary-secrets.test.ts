import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { SIM_BOT_TOKEN, SIM_SIGNING_SECRET, type LocalStack } from '../../app/demo/local-stack.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { createLogger } from '../../src/logger.js';
import { SIM_BOT_API_KEY } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, readTrail, rejectModalsFor, submitRejectModal } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

// Fake secrets, each distinct so a leak names its path. None is a real credential.
const CANARY = {
  /** Planted in the configuration: the bot's IBM Cloud API key and the queue dashboard's password. */
  configApiKey: 'Qk7vTz2NwP4mXa9LrB6yHc3JdF8sGe1UoK5iVb0nMq2W',
  dashboardPassword: 'dash-pw-canary-4Rk9Lm2Qx7',
  /** Echoed by a 500 on deleting an API key: an IAM access token and an IBM API key. */
  echoedJwt:
    'eyJhbGciOiJSUzI1NiIsImtpZCI6ImNhbmFyeS0wMSJ9.eyJpYW1faWQiOiJJQk1pZC1DQU5BUlkwMSIsImNhbmFyeSI6InA0dEg3cVoifQ.Zm9vYmFyLWNhbmFyeS1zaWduYXR1cmUtN3hQcQ',
  echoedKey: 'Hx3pLq8ZtR1vWm6KcN9bYf2GdJ5sTa0EuP7oXi4Ql3Vz',
  /** Echoed by a 403 on removing group memberships. */
  forbiddenKey: 'mR4tY8uI2oP6aS0dF3gH7jK1lZ5xC9vB4nM8qW2eRt6Y',
  /** Echoed by a 500 the read-only preview meets. */
  previewKey: 'Wc5Nq1Xz7Lp3Kd9Rb2Tf6Yh0Jm4Gs8Av1Eu5Oi9Pr3Ty',
  /** Pasted into the ticket field and the notes. */
  ticketToken: 'xoxp-7391846205-5518302947-b7Qz1Vx9Kd3Lm',
  notesPassword: 'Tr0ub4dor-canary-9fQ2',
  notesPem: 'MIIEpAIBAAKCAQEA1canaryZ9Vq3Lr8Tw2Xy5Pm0Nk7Hj4',
  /** Typed into a reject reason. */
  rejectToken: 'Kf8Dw2Zr6Tq0Ym4Xp1Ln9Bc3Vh7Js5Gt2Ha8Ue6Qo0Ri4',
} as const;

/** The simulators' fixed credentials the bot is configured with: they must not leak either. */
const FIXED_SECRETS = { botToken: SIM_BOT_TOKEN, signingSecret: SIM_SIGNING_SECRET };

const PEM = `-----BEGIN RSA PRIVATE KEY-----\n${CANARY.notesPem}\nQ2FuYXJ5LXBlbS1ib2R5LWxpbmUtdHdv\n-----END RSA PRIVATE KEY-----`;

/** Every piece of a secret long enough to identify it: a partial leak shows up as one of these. */
function fragments(secret: string, length = 12): string[] {
  if (secret.length <= length) return [secret];
  return Array.from({ length: secret.length - length + 1 }, (_, i) => secret.slice(i, i + length));
}

function leaksIn(haystack: string, secrets: Record<string, string>): string[] {
  const compact = haystack.replace(/\s+/g, '');
  return Object.entries(secrets).flatMap(([name, secret]) => (fragments(secret).some((f) => haystack.includes(f) || compact.includes(f)) ? [name] : []));
}

/** A debug-level log written to memory. */
function memoryLog() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('debug', sink), text: () => lines.join('') };
}

/** Everything the bot said to Slack, as the simulator recorded it, and the text of every uploaded PDF. */
async function slackOutput(stack: LocalStack) {
  const s = stack.slack;
  const pdfs = await Promise.all(
    s.files
      .filter((f) => f.filename.endsWith('.pdf'))
      .map(async (f) => (await extractText(await getDocumentProxy(new Uint8Array(f.bytes)), { mergePages: true })).text),
  );
  // The evidence pack's JSON (and a manifest, when signed): scanned as the bytes an auditor receives.
  const packs = s.files.filter((f) => f.filename.endsWith('.json')).map((f) => Buffer.from(f.bytes).toString('utf8'));
  return {
    calls: JSON.stringify(s.calls),
    messages: JSON.stringify([...new Set(s.calls.map((c) => String(c.args.channel ?? '')))].map((c) => s.messages(c))),
    ephemerals: JSON.stringify(s.ephemerals),
    views: JSON.stringify(s.views.map((v) => ({ ...v, current: s.view(v.id) }))),
    responses: JSON.stringify(s.responses),
    files: JSON.stringify(s.files.map((f) => ({ ...f, bytes: undefined }))),
    pdfs: pdfs.join('\n'),
    packs: packs.join('\n'),
  };
}

/** Every key under the stack's prefix, whatever its type, as text. */
async function redisDump(stack: LocalStack): Promise<string> {
  const redis = new Redis(stack.config.redisUrl);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${stack.config.redisPrefix}*`, 'COUNT', '1000');
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const values = await Promise.all(
      keys.map(async (key) => {
        const type = await redis.type(key);
        switch (type) {
          case 'string':
            return redis.get(key);
          case 'hash':
            return redis.hgetall(key);
          case 'list':
            return redis.lrange(key, 0, -1);
          case 'set':
            return redis.smembers(key);
          case 'zset':
            return redis.zrange(key, '0', '-1', 'WITHSCORES');
          case 'stream':
            return redis.xrange(key, '-', '+');
          default:
            return `(${type})`;
        }
      }),
    );
    expect(keys.length).toBeGreaterThan(10); // the dump really covers the bot's data
    return JSON.stringify(keys.map((key, i) => [key, values[i]]));
  } finally {
    await redis.quit();
  }
}

const blockText = (blocks: unknown) => JSON.stringify(blocks ?? []);

describe('secrets never leave the bot', () => {
  it('canary secrets planted in config, IBM error bodies, the ticket and a reject reason appear nowhere: Slack, logs, Redis, the PDF', async () => {
    const log = memoryLog();
    const { stack, player } = await start({
      env: {
        IBMCLOUD_API_KEY: CANARY.configApiKey,
        OFFBOARD_DASHBOARD_PORT: '0',
        OFFBOARD_DASHBOARD_USER: 'ops',
        OFFBOARD_DASHBOARD_PASSWORD: CANARY.dashboardPassword,
        OFFBOARD_JOB_ATTEMPTS: '3',
        OFFBOARD_RETRY_DELAY_MS: '100',
      },
      ibm: { apiKeys: [CANARY.configApiKey] },
      logger: log.logger,
    });

    // The preview meets one 500 whose body echoes an API key.
    stack.ibm.inject({ method: 'GET', path: '/v2/policies', status: 500, times: 1, echo: `apikey ${CANARY.previewKey} rejected` });
    const id = await player.request(PEOPLE.morgan, {
      person: PEOPLE.jane,
      reason: 'resignation',
      successor: PEOPLE.taylor,
      ticket: `HR-2001 ${CANARY.ticketToken}`,
      notes: `Old admin creds, please rotate: password: ${CANARY.notesPassword}\n${PEM}`,
    });
    const preview = blockText(player.approvalMessage(id)?.blocks);
    expect(preview).toMatch(
      /Direct access policies: could not check \(list policies: IBM Cloud answered 500 \(Internal server error \(injected fault\)\. apikey \[redacted\] rejected\)\)/,
    );
    expect(preview).toContain('HR-2001 [redacted Slack token]');

    // The run: one API key deletion answers 500 echoing a token and a key, then succeeds when
    // retried; removing group memberships is refused with a 403 that echoes a key.
    stack.ibm.inject({ method: 'DELETE', path: '/v1/apikeys/', status: 500, times: 1, echo: `token=${CANARY.echoedJwt} for ${CANARY.echoedKey}` });
    stack.ibm.inject({ method: 'DELETE', path: '/v2/groups/_allgroups/members/', status: 403, echo: `caller key ${CANARY.forbiddenKey}` });
    expect((await player.click(PEOPLE.alex, 'approve', id)).status).toBe(200);
    await player.evidence(id);
    await stack.slack.waitFor(() => /Evidence report/.test(blockText(player.checklist(id)?.blocks)) && player.checklist(id), { timeoutMs: 15_000 });

    const trail = await readTrail(stack, id);
    const retried = eventsOf(trail, 'step.retrying');
    expect(retried.map((e) => e.error)).toContainEqual(
      'delete API key: IBM Cloud answered 500 (Internal server error (injected fault). token=[redacted] for [redacted])',
    );
    const failed = eventsOf(trail, 'step.failed').map((e) => e.stepId);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((stepId) => stepId.endsWith('.access-groups'))).toBe(true);
    const checklist = blockText(player.checklist(id)?.blocks);
    expect(checklist).toContain(':x: Access groups: *failed*: remove from all access groups: permission denied (403)');
    expect(checklist).toContain('IBM Cloud said: You are not authorized to perform this action (injected fault). caller key [redacted]');

    // A second request, rejected with a token in the reason.
    const rejected = await player.request(PEOPLE.morgan, {
      person: PEOPLE.chris,
      reason: 'contract_end',
      successor: PEOPLE.taylor,
      ticket: 'HR-2002',
      notes: '',
    });
    await player.click(PEOPLE.alex, 'reject', rejected);
    const [modal] = rejectModalsFor(stack, PEOPLE.alex);
    await submitRejectModal(stack, PEOPLE.alex, modal!.id, `Wrong person; use the key Bearer ${CANARY.rejectToken} to check`);
    const dm = await stack.slack.waitFor(() => stack.slack.messages(PEOPLE.morgan).find((m) => m.text.includes(`${rejected}*`) && m.text.includes('rejected')));
    expect(dm.text).toContain('Wrong person; use the key Bearer [redacted] to check');

    // App Home lists both requests, the first with its ticket.
    await stack.events.event({ type: 'app_home_opened', user: PEOPLE.riley, channel: 'D0RILEY01', tab: 'home' });
    const home = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'publish' && v.userId === PEOPLE.riley));
    expect(blockText(home.view.blocks)).toContain('ticket HR-2001 [redacted Slack token]');

    const outputs = { ...(await slackOutput(stack)), logs: log.text(), redis: await redisDump(stack) };
    expect(outputs.pdfs).toContain('[redacted');
    expect(outputs.packs).toContain('[redacted');
    expect(outputs.logs.length).toBeGreaterThan(1000);
    const secrets = { ...CANARY, ...FIXED_SECRETS };
    const leaks = Object.fromEntries(Object.entries(outputs).map(([where, text]) => [where, leaksIn(text, secrets)]));
    expect(leaks).toEqual(Object.fromEntries(Object.keys(outputs).map((where) => [where, []])));
    // The simulator's default IBM key, replaced by a canary here, is looked for whole: pieces of it
    // ("offboard-bot") are the bot's Slack name.
    for (const [where, text] of Object.entries(outputs)) expect(text.includes(SIM_BOT_API_KEY), where).toBe(false);
  });
});
