import { describe, expect, it } from 'vitest';
import { ibmCloud } from '../../src/connectors/ibm-cloud/system.js';
import { configuredSecrets, maskSecrets, redact, redactDeep, redactRecord, registerSecretShapes, registerSecrets } from '../../src/redact.js';
import { packBasename } from '../../src/evidence/evidence-publisher.js';
import { newRequestId } from '../../src/requests/request-id.js';
import { replacementName, rotationTransactionId } from '../../src/runs/bot-rotation.js';
import { rotationCode } from '../../src/runs/handed-over.js';
import { itemTaskCode } from '../../src/runs/item-tasks.js';
import { rescanJobId, rescanTransactionId } from '../../src/runs/rescan.js';
import { stepJobId } from '../../src/runs/run-flow.js';
import { stepTransactionId } from '../../src/runs/step-job.js';

// As start-up does for the systems switched on: IBM Cloud's module declares what its keys look like.
registerSecretShapes([ibmCloud.secretShapes]);

// Fake values shaped like the real ones; none is a real credential.
const IBM_API_KEY = 'Zx9Qm2LkP0aB7cD4eF6gH8iJ1kL3mN5oP7qR9sT2uV4w';
const IBM_API_KEY_NO_DIGITS = 'ZxQmkLPaBcDeFgH_iJkLmNoPqRsTuVwXyZ-aBcDeFgHi';
const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjIwMjQwMTAxIn0.eyJpYW1faWQiOiJJQk1pZC01NTAwMDZBQkNEIiwiZXhwIjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLXBhcnQtb2YtdGhlLXRva2Vu';
const UNSIGNED_JWT = 'eyJhbGciOiJub25lIn0.eyJpYW1faWQiOiJJQk1pZC0xMjMiLCJleHAiOjE3MDAwMDAwMDB9.';
const PEM_KEY =
  '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAq7BFUAnMbFJ1+Ri4kQnGn1tx3H0mRrLq0KdPz\nQ2V5dGVzLW9mLWEtZmFrZS1rZXk=\n-----END RSA PRIVATE KEY-----';

const IDENTIFIERS = [
  'ApiKey-1c2d3e4f-5061-4b72-9c83-d4e5f6071829',
  '1c2d3e4f-5061-4b72-9c83-d4e5f6071829',
  'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  'IBMid-550006ABCD',
  'iam-ServiceId-1c2d3e4f-5061-4b72-9c83-d4e5f6071829',
  'AccessGroupId-2d3e4f50-6172-4c83-8d94-e5f60718293a',
  'crn:v1:bluemix:public:iam-identity::a/a1b2c3d4e5f60718293a4b5c6d7e8f90::apikey:ApiKey-1c2d3e4f-5061-4b72-9c83-d4e5f6071829',
  'OFF-7K2M9Q',
  'U0ALEX0001 C0APPROVAL S0APPROVERS T0SIM0001 V0A1B2C3D4E',
  'offboard-OFF-ABC123-ibm-cloud.a1b2c3d4e5f60718293a4b5c6d7e8f90.api-keys-a1',
  'offboard-OFF-7K2M9Q-a1b2c3-a1',
  'offboard-OFF-7K2M9Q-a1b2c3-r2-a1',
  'offboard-OFF-7K2M9Q-0f9e8d-r3-a12 and offboard-OFF-7K2M9Q-rescan',
  'jane.doe@acme.example',
  'offboarding-evidence-OFF-ABC123-round2.pdf',
  '<@U0ALEX0001> <!date^1700000000^{date_short_pretty} {time}|2023-11-14T22:13:20.000Z> <#C0APPROVAL>',
  'delete API key: permission denied (403). Check that IBMCLOUD_API_KEY belongs to a user with the needed IAM roles.',
  ':white_check_mark: API keys: 2 removed; verified by read-back',
  'ThisIsAVeryLongIdentifierNameForSomething',
  'The provided access token is invalid.',
  '{"apiKey":"ApiKey-1c2d3e4f-5061-4b72-9c83-d4e5f6071829","name":"jane-ci-deploy"}',
];

describe('redact masks secrets', () => {
  it.each([
    ['a Bearer token', `Authorization: Bearer ${IBM_API_KEY}`, IBM_API_KEY],
    ['an IAM access token (JWT)', `token ${JWT} expired`, JWT],
    ['an unsigned JWT', `access_token ${UNSIGNED_JWT}`, UNSIGNED_JWT],
    ['an IBM Cloud API key', `the key ${IBM_API_KEY} was refused`, IBM_API_KEY],
    ['an IBM Cloud API key without digits', `the key ${IBM_API_KEY_NO_DIGITS} was refused`, IBM_API_KEY_NO_DIGITS],
    ['a key named as IBM Cloud names it, run together', 'ibmapikey=s3cr3t-value-here', 's3cr3t-value-here'],
    ['a Slack bot token', 'token xoxb-1234-5678-AbCdEfGh', 'xoxb-1234-5678-AbCdEfGh'],
    ['a Slack user token', 'xoxp-1234-5678-9012-abcdef', 'xoxp-1234-5678-9012-abcdef'],
    ['a Slack refresh token', 'xoxe.xoxp-1-Mi0yLTEyMzQ', 'xoxe.xoxp-1-Mi0yLTEyMzQ'],
    ['a Slack app-level token', 'xapp-1-A0123ABC-4567-deadbeef', 'xapp-1-A0123ABC-4567-deadbeef'],
    ['a private key PEM block', `key:\n${PEM_KEY}\nend`, 'MIIEowIBAAKCAQEAq7BFUAnMbFJ1'],
    ['a PEM block of another type', '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydA==\n-----END CERTIFICATE-----', 'MIIBszCCAVmgAwIBAgIUQ2VydA'],
    ['a PEM block cut short', '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBv0bGVzcy1rZXk', 'MHcCAQEEIBv0bGVzcy1rZXk'],
    ['apikey=', 'apikey=s3cr3t-value&grant_type=urn', 's3cr3t-value'],
    ['a JSON password', '{"user":"jane","password":"hunter2-horse"}', 'hunter2-horse'],
    ['a client secret', "client_secret: 'abc.def.ghi'", 'abc.def.ghi'],
    ['an environment line', 'SLACK_SIGNING_SECRET=8f742231b10e8888abcd99yyyzzz85a5', '8f742231b10e8888abcd99yyyzzz85a5'],
    ['a Basic authorization header', 'authorization: Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA'],
  ])('%s', (_kind, text, secret) => {
    const masked = redact(text);
    expect(masked).not.toContain(secret);
    expect(masked).toContain('[redacted');
  });

  it('the error text the IBM SDK builds from an echoing body keeps its meaning, with the secrets masked', () => {
    const body = JSON.stringify({
      trace: 'trace-1',
      errors: [{ code: 'invalid_token', message: `The token ${JWT} is not valid for apikey ${IBM_API_KEY}.` }],
      status_code: 401,
    });
    const masked = redact(body);
    expect(masked).not.toContain(JWT);
    expect(masked).not.toContain(IBM_API_KEY);
    expect(JSON.parse(masked)).toEqual({
      trace: 'trace-1',
      errors: [{ code: 'invalid_token', message: 'The token [redacted] is not valid for apikey [redacted].' }],
      status_code: 401,
    });
  });

  it('a JSON document stays valid JSON after masking, even with secrets inside encoded strings', () => {
    const doc = JSON.stringify({
      msg: `failed: ${PEM_KEY}`,
      nested: JSON.stringify({ apikey: 'inner-secret-value', token: JWT }),
      password: 'pw-123456789',
      secret: null,
      token: 42,
      ok: true,
    });
    const parsed = JSON.parse(redact(doc)) as Record<string, unknown>;
    expect(parsed).toMatchObject({ msg: 'failed: [redacted PEM block]', password: '[redacted]', secret: null, token: 42, ok: true });
    expect(JSON.parse(parsed.nested as string)).toEqual({ apikey: '[redacted]', token: '[redacted]' });
  });

  it('masking twice changes nothing more', () => {
    const once = redact(`Authorization: Bearer ${JWT} password=${IBM_API_KEY} ${PEM_KEY} xoxb-1-2`);
    expect(redact(once)).toBe(once);
    expect(once).toContain('Authorization: Bearer [redacted]');
  });
});

describe('redact keeps identifiers readable', () => {
  it.each(IDENTIFIERS)('%s', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe('redact keeps every id the bot builds on a request id whole, whatever the request id', () => {
  it('transaction ids of every round and execution, a re-scan’s and a rotation’s, replacement names, job ids, pack and item-task names', () => {
    const step = 'ibm-cloud.a1b2c3d4e5f60718293a4b5c6d7e8f90.service-id-keys';
    const masked = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const request = newRequestId();
      const code = rotationCode(step, `ApiKey-1c2d3e4f-5061-4b72-9c83-${String(i).padStart(12, '0')}`);
      const ids = [
        request,
        ...[1, 2, 3, 12].flatMap((round) => [1, 2, 15].map((execution) => stepTransactionId(request, step, round, execution))),
        rescanTransactionId(request),
        rotationTransactionId(request, code),
        replacementName(request, code),
        stepJobId(request, 2, step),
        rescanJobId(request, 'disable', 3_600_000),
        itemTaskCode(step, `us-south/web-${i}/k1`),
        ...[1, 2, 3].flatMap((round) => [1, 2, 3].map((revision) => `${packBasename(request, round, revision)}.pdf`)),
      ];
      // Quoted as free text and Slack messages quote them: in a sentence, in bold, in code.
      for (const id of ids) if (redact(`made *${id}* (\`${id}\`), see ${id}.`) !== `made *${id}* (\`${id}\`), see ${id}.`) masked.add(id);
    }
    expect([...masked]).toEqual([]);
  });
});

describe('maskSecrets and redactRecord never guess: an identifier is never masked', () => {
  it('maskSecrets masks tokens, keys in pairs, JWTs and PEM blocks, and leaves a random-looking string alone', () => {
    const masked = maskSecrets(`Bearer ${JWT} password=hunter2-horse xoxb-1-2 ${PEM_KEY} ${IBM_API_KEY}`);
    expect(masked).toBe(`Bearer [redacted] password=[redacted] [redacted Slack token] [redacted PEM block] ${IBM_API_KEY}`);
  });

  it('redactRecord masks free-text fields as free text, and keeps any other field whole however random it looks', () => {
    const event = {
      type: 'step.acted',
      stepId: 'ibm-cloud.a1b2c3d4e5f60718293a4b5c6d7e8f90.api-keys',
      transactionId: 'offboard-OFF-7K2M9Q-a1b2c3-r2-a1',
      itemIds: [IBM_API_KEY_NO_DIGITS],
      changes: [
        { id: IBM_API_KEY, label: `pasted ${IBM_API_KEY}`, outcome: 'removed', detail: `echo ${IBM_API_KEY_NO_DIGITS}`, snapshot: { token: `Bearer ${JWT}` } },
      ],
      request: { ticket: `HR-1 ${IBM_API_KEY}`, notes: 'xoxp-1234-5678-9012-abcdef', reason: 'resignation' },
      error: `failed: ${IBM_API_KEY}`,
      unchecked: [`Slack: ${IBM_API_KEY}`],
    };
    expect(redactRecord(event)).toEqual({
      ...event,
      changes: [{ id: IBM_API_KEY, label: 'pasted [redacted]', outcome: 'removed', detail: 'echo [redacted]', snapshot: { token: 'Bearer [redacted]' } }],
      request: { ticket: 'HR-1 [redacted]', notes: '[redacted Slack token]', reason: 'resignation' },
      error: 'failed: [redacted]',
      unchecked: ['Slack: [redacted]'],
    });
  });
});

describe('redactDeep', () => {
  it('masks every string at any depth, and leaves keys, numbers, booleans, null and Buffers alone', () => {
    const pdf = Buffer.from('%PDF-1.7');
    const value = {
      type: 'step.failed',
      attempt: 2,
      final: true,
      missing: null,
      error: `IBM Cloud answered 500 (echo ${IBM_API_KEY})`,
      items: [{ id: 'ApiKey-1c2d3e4f-5061-4b72-9c83-d4e5f6071829', labels: ['plain', `Bearer ${JWT}`] }],
      [`key-${IBM_API_KEY.slice(0, 8)}`]: 'kept key',
      file: pdf,
    };
    const masked = redactDeep(value);
    expect(masked).toEqual({
      ...value,
      error: 'IBM Cloud answered 500 (echo [redacted])',
      items: [{ id: 'ApiKey-1c2d3e4f-5061-4b72-9c83-d4e5f6071829', labels: ['plain', 'Bearer [redacted]'] }],
    });
    expect(masked.file).toBe(pdf);
    expect(value.error).toContain(IBM_API_KEY); // the input is not changed
  });

  it('copes with values met twice and with cycles', () => {
    const shared = { note: `token=${IBM_API_KEY}` };
    const cyclic: Record<string, unknown> = { a: shared, b: shared };
    cyclic.self = cyclic;
    const masked = redactDeep(cyclic);
    expect(masked.a).toEqual({ note: 'token=[redacted]' });
    expect(masked.b).toBe(masked.a);
    expect(masked.self).toBe(masked);
  });

  it('masks a string or an array given on its own', () => {
    expect(redactDeep(`x ${JWT}`)).toBe('x [redacted]');
    expect(redactDeep([JWT, 1])).toEqual(['[redacted]', 1]);
  });
});

describe('the bot’s own configured secrets', () => {
  it('are masked by their exact value once registered, also JSON- and URL-encoded, even where no pattern would see them', () => {
    const signingSecret = 'f1e2d3c4b5a69788a1b2c3d4e5f60718'; // 32 hex: looks like an account id
    const password = 'correct "horse" battery/staple';
    expect(redact(`secret ${signingSecret}`)).toBe(`secret ${signingSecret}`);
    registerSecrets([signingSecret, password, undefined]);
    expect(redact(`secret ${signingSecret}`)).toBe('secret [redacted]');
    expect(redact(`pw ${password}`)).toBe('pw [redacted]');
    expect(redact(JSON.stringify({ pw: password }))).toBe('{"pw":"[redacted]"}');
    expect(redact(`pw=${encodeURIComponent(password)}`)).not.toContain('battery');
  });

  it('values too short to be secrets are not registered, so ordinary words survive', () => {
    registerSecrets(['abc', '']);
    expect(redact('abc def')).toBe('abc def');
  });

  it('configuredSecrets finds every setting named like a secret, at any depth', () => {
    const config = {
      port: 3000,
      slack: { botToken: 'xoxb-1', signingSecret: 'sig', apiUrl: 'http://x/api/', appToken: 'xapp-1' },
      ibm: { apiKey: 'key', accountIds: ['a'], iamUrl: 'http://iam' },
      dashboard: { user: 'ops', password: 'pw' },
    };
    expect(configuredSecrets(config).sort()).toEqual(['key', 'pw', 'sig', 'xapp-1', 'xoxb-1']);
  });
});

describe('speed', () => {
  it('masks a 10 KB Block Kit payload in well under a millisecond', () => {
    const blocks = Array.from({ length: 34 }, (_, i) => ({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `:white_check_mark: API keys: 2 removed; verified by read-back · account \`a1b2c3d4e5f60718293a4b5c6d7e8f90\` · <@U0ALEX0001> offboard-OFF-ABC123-ibm-cloud.a1b2c3d4e5f60718293a4b5c6d7e8f90.api-keys-a1 · ApiKey-1c2d3e4f-5061-4b72-9c83-d4e5f6071829 #${i}`,
      },
    }));
    expect(JSON.stringify(blocks).length).toBeGreaterThanOrEqual(10_000);
    for (let i = 0; i < 50; i++) redactDeep(blocks);
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const start = performance.now();
      redactDeep(blocks);
      times.push(performance.now() - start);
    }
    const median = times.sort((a, b) => a - b)[times.length >> 1]!;
    expect(median).toBeLessThan(1);
  });
});
