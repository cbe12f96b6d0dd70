import { Writable } from 'node:stream';
import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { classifyIbmError } from '../../src/connectors/ibm-cloud/classify-ibm-error.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Keys } from '../../src/redis.js';
import { context, section } from '../../src/slack/blocks/block-kit.js';
import { createSlackClient } from '../../src/slack/slack-client.js';
import { maskingFetch } from '../../src/slack/masking-fetch.js';
import { startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import { extractText, getDocumentProxy } from 'unpdf';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { canonicalJson, sha256Hex } from '../../src/audit/audit-chain.js';
import { buildEvidencePack } from '../../src/evidence/evidence-pack.js';
import { renderEvidencePdf } from '../../src/evidence/evidence-pdf.js';
import { packBasename } from '../../src/evidence/evidence-publisher.js';
import type { OffboardRequest } from '../../src/requests/request.js';
import { replacementName, rotationTransactionId } from '../../src/runs/bot-rotation.js';
import { rotationCode } from '../../src/runs/handed-over.js';
import { rescanTransactionId } from '../../src/runs/rescan.js';
import { stepJobId } from '../../src/runs/run-flow.js';
import { stepTransactionId } from '../../src/runs/step-job.js';

// Fake secrets shaped like real ones.
const API_KEY = 'Hx3pLq8ZtR1vWm6KcN9bYf2GdJ5sTa0EuP7oXi4Ql3Vz';
const JWT = 'eyJhbGciOiJub25lIn0.eyJpYW1faWQiOiJJQk1pZC1CT1VOREFSWSJ9.';
const KEY_ID = 'ApiKey-1c2d3e4f-5061-4b72-9c83-d4e5f6071829';

describe('log lines', () => {
  function capture(level = 'debug') {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    return { logger: createLogger(level, sink), lines };
  }

  it('mask secrets in the message, in nested values, in an error and in a child logger’s bindings, and stay valid JSON', () => {
    const { logger, lines } = capture();
    const err = new Error(`IBM said: invalid token ${JWT}`);
    logger
      .child({ session: `Bearer ${API_KEY}` })
      .error({ err, body: { errors: [{ message: `apikey ${API_KEY}` }] }, keyId: KEY_ID }, `call failed for ${API_KEY}`);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).not.toContain(API_KEY);
    expect(line).not.toContain(JWT);
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(entry).toMatchObject({
      session: 'Bearer [redacted]',
      msg: 'call failed for [redacted]',
      keyId: KEY_ID,
      body: { errors: [{ message: 'apikey [redacted]' }] },
    });
    expect((entry.err as { message: string; stack: string }).message).toBe('IBM said: invalid token [redacted]');
    expect((entry.err as { stack: string }).stack).not.toContain('eyJ');
  });

  it('still censor credential fields by name', () => {
    const { logger, lines } = capture('info');
    logger.info({ headers: { authorization: 'opaque-value' }, password: 'plain' }, 'request');
    expect(JSON.parse(lines[0]!)).toMatchObject({ headers: { authorization: '[redacted]' }, password: '[redacted]' });
  });
});

describe('the workers’ Slack client', () => {
  const TOKEN = 'xoxb-boundary-test';
  const CHANNEL = 'C0BOUNDARY';
  let slack: SlackSimulator | undefined;
  afterEach(async () => {
    await slack?.close();
  });

  it('masks every argument it sends, text and blocks alike, and still authenticates with its token', async () => {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [], channels: [CHANNEL] });
    const client = createSlackClient({ botToken: TOKEN, signingSecret: 'unused-secret', apiUrl: slack.apiUrl, appToken: undefined });
    await client.chat.postMessage({
      channel: CHANNEL,
      text: `failed: ${JWT}`,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `key ${API_KEY} (${KEY_ID})` } }],
    });
    const [message] = slack.messages(CHANNEL);
    expect(message?.text).toBe('failed: [redacted]');
    expect(message?.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: `key [redacted] (${KEY_ID})` } }]);
  });

  it('Bolt’s own client, through the masking fetch, masks what listeners send and still authenticates', async () => {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [], channels: [CHANNEL] });
    const bolts = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, fetch: maskingFetch });
    await bolts.chat.postMessage({
      channel: CHANNEL,
      text: `refused: Bearer ${JWT} for ${KEY_ID} & <key ${API_KEY}>`,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `key ${API_KEY}` } }],
    });
    const [message] = slack.messages(CHANNEL);
    expect(message?.text).toBe(`refused: Bearer [redacted] for ${KEY_ID} & <key [redacted]>`);
    expect(message?.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'key [redacted]' } }]);
  });

  it('a command’s reply through respond(), a JSON body, is masked string by string and arrives as JSON', async () => {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [{ id: 'U0ASKER01', name: 'asker', realName: 'Asker' }], channels: [CHANNEL] });
    const url = slack.responseUrl({ channel: CHANNEL, userId: 'U0ASKER01' });
    const reply = {
      response_type: 'ephemeral',
      text: `refused: Bearer ${JWT}`,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `key ${API_KEY}` } }],
    };
    const res = await maskingFetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(reply) });
    expect(res.status).toBe(200);
    expect(slack.responses.map((r) => r.body)).toEqual([
      { response_type: 'ephemeral', text: 'refused: Bearer [redacted]', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'key [redacted]' } }] },
    ]);
  });

  it('counts each call by method and outcome: ok, ratelimited, or Slack’s error code', async () => {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [], channels: [CHANNEL] });
    const metrics = createMetrics();
    const client = createSlackClient({ botToken: TOKEN, signingSecret: 'unused-secret', apiUrl: slack.apiUrl, appToken: undefined }, metrics);
    slack.rateLimit('chat.postMessage', 1, 1);
    // The workers' client never waits out a 429 itself: it hands the Retry-After to the job.
    await expect(client.chat.postMessage({ channel: CHANNEL, text: 'limited' })).rejects.toMatchObject({ retryAfter: 1 });
    await client.chat.postMessage({ channel: CHANNEL, text: 'posted' });
    await expect(client.chat.postMessage({ channel: 'C0NOWHERE', text: 'lost' })).rejects.toThrow();
    const counts = Object.fromEntries((await metrics.slackCalls.get()).values.map((v) => [`${v.labels.method} ${v.labels.status}`, v.value]));
    expect(counts).toEqual({ 'chat.postMessage ratelimited': 1, 'chat.postMessage ok': 1, 'chat.postMessage channel_not_found': 1 });
  });
});

describe('Block Kit built for Bolt’s own client (views, ephemerals)', () => {
  it('masks section and context text, before a long section is cut', () => {
    const long = `${'x'.repeat(2990)} ${API_KEY}`;
    expect(JSON.stringify(section(long))).not.toContain(API_KEY.slice(0, 10));
    expect(context(`token ${JWT}`).elements[0]!.text).toBe('token [redacted]');
  });
});

describe('the audit trail', () => {
  it('keeps an event with its secrets masked, in Redis and in what append returns', async () => {
    const redis = new Redis(inject('redisUrl'));
    try {
      const keys = new Keys(`boundary-${Date.now()}`);
      const audit = new AuditTrail(redis, keys);
      const written = await audit.append('OFF-BNDRY1', { type: 'request.rejected', actor: 'U0ALEX001', reason: `use ${API_KEY}` });
      expect(written).toMatchObject({ reason: 'use [redacted]' });
      expect(JSON.stringify(await redis.xrange(keys.audit('OFF-BNDRY1'), '-', '+'))).not.toContain(API_KEY);
      expect(await audit.read('OFF-BNDRY1')).toMatchObject([{ type: 'request.rejected', reason: 'use [redacted]' }]);
    } finally {
      await redis.quit();
    }
  });

  it('keeps every identifier of a later round whole, while the secrets in its free text are masked', async () => {
    const redis = new Redis(inject('redisUrl'));
    try {
      const keys = new Keys(`boundary-${Date.now()}`);
      const audit = new AuditTrail(redis, keys);
      // Round 2 and 3 transaction ids, like every id here, look random to a guess at secrets.
      const ids = {
        stepId: 'ibm-cloud.a1b2c3d4e5f60718293a4b5c6d7e8f90.api-keys',
        transactionId: 'offboard-OFF-BNDRY2-3f9a1c-r2-a1',
        retry: 'offboard-OFF-BNDRY2-3f9a1c-r3-a12',
        key: KEY_ID,
        iamId: 'IBMid-550006ABCD',
        profile: 'Profile-9f3c2d1e-8b7a-4c6d-9e0f-1a2b3c4d5e6f',
        crn: 'crn:v1:bluemix:public:iam-identity::a/a1b2c3d4e5f60718293a4b5c6d7e8f90::apikey:ApiKey-1c2d3e4f-5061-4b72-9c83-d4e5f6071829',
        opaque: 'Zx9Qm2LkP0aB7cD4eF6gH8iJ1kL3mN5oP7qR9sT2uV4wQ',
      };
      await audit.append('OFF-BNDRY2', {
        type: 'step.acting',
        stepId: ids.stepId,
        transactionId: ids.transactionId,
        itemIds: [ids.key, ids.profile, ids.opaque],
      });
      await audit.append('OFF-BNDRY2', {
        type: 'step.acted',
        stepId: ids.stepId,
        transactionId: ids.retry,
        changes: [{ id: ids.opaque, label: 'jane-ci', outcome: 'removed', owner: ids.iamId, snapshot: { crn: ids.crn }, detail: `IBM echoed ${API_KEY}` }],
      });
      await audit.append('OFF-BNDRY2', {
        type: 'step.failed',
        stepId: ids.stepId,
        attempt: 1,
        error: `${ids.transactionId} refused for ${API_KEY} and ${JWT}`,
      });
      const stored = JSON.stringify(await redis.xrange(keys.audit('OFF-BNDRY2'), '-', '+'));
      for (const [kind, id] of Object.entries(ids)) expect(stored, kind).toContain(id);
      expect(stored).not.toContain(API_KEY);
      expect(stored).not.toContain(JWT);
      const [acting, acted, failed] = await audit.read('OFF-BNDRY2');
      expect(acting).toMatchObject({ transactionId: ids.transactionId, itemIds: [ids.key, ids.profile, ids.opaque] });
      expect(acted).toMatchObject({
        transactionId: ids.retry,
        changes: [{ id: ids.opaque, owner: ids.iamId, snapshot: { crn: ids.crn }, detail: 'IBM echoed [redacted]' }],
      });
      expect(failed).toMatchObject({ error: `${ids.transactionId} refused for [redacted] and [redacted]` });
    } finally {
      await redis.quit();
    }
  });
});

describe('errors from IBM Cloud', () => {
  const sdkError = (status: number, message: string) =>
    Object.assign(new Error(message), { status, result: { trace: 't', errors: [{ code: 'x', message }], status_code: status } });

  it('keep IBM’s reason with an echoed token or key masked', () => {
    expect(classifyIbmError('delete API key', sdkError(500, `Internal error for token ${JWT}`)).message).toBe(
      'delete API key: IBM Cloud answered 500 (Internal error for token [redacted])',
    );
    const denied = classifyIbmError('delete API key', sdkError(403, `Not allowed with apikey ${API_KEY}`)).message;
    expect(denied).toMatch(/^delete API key: permission denied \(403\)\. Check that IBMCLOUD_API_KEY/);
    expect(denied).toContain('IBM Cloud said: Not allowed with apikey [redacted]');
  });
});

describe('every identifier the bot generates or is given, in every round', () => {
  // A request id whose rotation replacement name, rotation transaction id and re-made pack's file name
  // all look random to a guess at secrets by character class: each is masked if the guess is asked.
  const REQUEST = 'OFF-T0M5Y9';
  const ACCOUNT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const KEYS = `ibm-cloud.${ACCOUNT}.api-keys`;
  const POLICIES = `ibm-cloud.${ACCOUNT}.policies`;
  const HANDED = `ibm-cloud.${ACCOUNT}.service-id-keys`;
  const SERVERS = `ibm-cloud.${ACCOUNT}.vpc-authorized-keys`;
  const CI_KEY = 'ApiKey-50617283-94a5-4fb6-9c07-18293a4b5c6d';
  const code = rotationCode(HANDED, CI_KEY);
  const ids = {
    request: REQUEST,
    batch: 'BULK-3F9A1C7E',
    account: ACCOUNT,
    iamId: 'IBMid-550006ABCD',
    key: KEY_ID,
    serviceId: 'ServiceId-9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    handedKey: CI_KEY,
    policy: '2d3e4f50-6172-4c83-8d94-e5f60718293a',
    recreatedPolicy: '9f3c2d1e-8b7a-4c6d-9e0f-1a2b3c4d5e6f',
    crn: `crn:v1:bluemix:public:iam-identity::a/${ACCOUNT}::apikey:${KEY_ID}`,
    server: `us-south/web-1/r006-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d`,
    replacement: 'ApiKey-7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d',
    replacementName: replacementName(REQUEST, code),
    rotationTransaction: rotationTransactionId(REQUEST, code),
    rescanTransaction: rescanTransactionId(REQUEST),
    stepJob: stepJobId(REQUEST, 3, KEYS),
    deletionJob: `${REQUEST}.deletion`,
    packFile: `${packBasename(REQUEST, 2, 2)}.pdf`,
    slackFile: 'F0PACK2REV2',
    ...Object.fromEntries([1, 2, 3].flatMap((round) => [1, 2].map((attempt) => [`r${round}a${attempt}`, stepTransactionId(REQUEST, KEYS, round, attempt)]))),
  };

  it('stay whole in the trail as stored, the pack JSON and the PDF, wherever they are quoted, while secrets beside them are masked', async () => {
    const redis = new Redis(inject('redisUrl'));
    try {
      const keys = new Keys(`boundary-${Date.now()}`);
      const audit = new AuditTrail(redis, keys);
      const tx = (round: number, attempt: number) => stepTransactionId(REQUEST, KEYS, round, attempt);
      const request = {
        id: REQUEST,
        subject: { slackUserId: 'U07JANE', name: 'Jane Doe', email: 'jane.doe@acme.example' },
        requester: { slackUserId: 'U02MGR', name: 'Morgan' },
        reason: 'resignation',
        disposition: { kind: 'disable_then_delete', graceDays: 30 },
        successorSlackUserId: 'U05SUCC',
        createdItems: 'hand_over',
        ticket: 'HR-1',
        notes: `bulk request ${ids.batch}`,
        batch: { id: ids.batch, size: 2 },
        createdAt: '2026-01-01T09:00:00.000Z',
        status: 'pending',
      } as unknown as OffboardRequest;
      const steps = [KEYS, POLICIES, HANDED, SERVERS].map((id) => {
        const [system, scope, step] = id.split('.') as [string, string, string];
        return { system, scope, step, title: step };
      });
      const events: AuditEvent[] = [
        { type: 'request.submitted', actor: 'U02MGR', request },
        { type: 'request.approved', actor: 'U09SEC', approvers: ['U09SEC'] },
        { type: 'run.planned', round: 1, phase: 'disable', steps, startsAt: '2026-01-01T10:00:00.000Z', by: 'U09SEC' },
        { type: 'identities.found', round: 1, system: 'ibm-cloud', identities: [{ scope: ACCOUNT, id: ids.iamId, label: 'jane.doe@acme.example' }] },
        { type: 'step.inventoried', stepId: KEYS, found: [{ id: ids.key, label: 'jane-ci', owner: ids.iamId, detail: ids.crn }] },
        { type: 'step.acting', stepId: KEYS, transactionId: tx(1, 1), itemIds: [`${ids.key}/${ids.iamId}`] },
        { type: 'step.retrying', stepId: KEYS, attempt: 1, error: `IBM Cloud answered 500 for ${tx(1, 1)} (token ${API_KEY})`, retryInMs: 1000 },
        { type: 'step.acting', stepId: KEYS, transactionId: tx(1, 2), itemIds: [`${ids.key}/${ids.iamId}`] },
        {
          type: 'step.acted',
          stepId: KEYS,
          transactionId: tx(1, 1),
          changes: [{ id: ids.key, label: 'jane-ci', outcome: 'disabled', owner: ids.iamId, detail: 'answer lost; confirmed on retry' }],
        },
        {
          type: 'step.acted',
          stepId: POLICIES,
          transactionId: stepTransactionId(REQUEST, POLICIES, 1, 1),
          changes: [{ id: ids.policy, label: 'Editor', outcome: 'removed' }],
        },
        {
          type: 'step.acted',
          stepId: HANDED,
          transactionId: stepTransactionId(REQUEST, HANDED, 1, 1),
          changes: [{ id: ids.handedKey, label: 'ci-pipeline key', outcome: 'kept', detail: `on ${ids.serviceId}` }],
        },
        {
          type: 'task.opened',
          stepId: SERVERS,
          instructions: 'Remove the key',
          attesters: { kind: 'users', ids: [] },
          items: [{ id: ids.server, label: 'SSH key on web-1' }],
        },
        { type: 'item.attested', stepId: SERVERS, itemId: ids.server, label: 'SSH key on web-1', actor: 'U09SEC', outcome: 'done' },
        { type: 'rotation.requested', stepId: HANDED, itemId: ids.handedKey, actor: 'U05SUCC' },
        {
          type: 'rotation.failed',
          stepId: HANDED,
          itemId: ids.handedKey,
          work: 'replace',
          error: `create API key ${ids.replacementName} (transaction ${ids.rotationTransaction}): IBM Cloud answered 500`,
        },
        {
          type: 'rotation.replaced',
          stepId: HANDED,
          itemId: ids.handedKey,
          replacementId: ids.replacement,
          replacementName: ids.replacementName,
          replacementCreatedAt: '2026-01-01T11:00:00.000Z',
        },
        { type: 'run.finished', round: 1, outcome: 'verified', failedSteps: [] },
        { type: 'deletion.scheduled', deleteAt: '2026-01-31T10:00:00.000Z' },
        {
          type: 'rescan.done',
          phase: 'disable',
          afterMs: 3_600_000,
          findings: [],
          unchecked: [`${ids.rescanTransaction}: the activity report is still generating`],
        },
        {
          type: 'run.reconciled',
          action: 'run-requeued',
          detail: `the job finishing round 1 had failed (Missing lock for job ${ids.stepJob}. moveToFinished); retrying it`,
        },
        { type: 'run.reconciled', action: 'deletion-rescheduled', detail: `the deletion ${ids.deletionJob} was not scheduled; scheduled it` },
        {
          type: 'run.reconciled',
          action: 'batch-approved',
          detail: `the approval of bulk request ${ids.batch} by U09SEC was stored but never applied to this request; applied it`,
        },
        { type: 'grace.ended', actor: 'U06KIM' },
        { type: 'run.planned', round: 2, phase: 'delete', steps, startsAt: '2026-01-02T10:00:00.000Z', by: 'schedule' },
        { type: 'step.acting', stepId: KEYS, transactionId: tx(2, 1), itemIds: [`${ids.key}/${ids.iamId}`] },
        { type: 'step.failed', stepId: KEYS, attempt: 2, error: `${tx(2, 2)} refused: permission denied (403)` },
        {
          type: 'step.acted',
          stepId: KEYS,
          transactionId: tx(2, 1),
          changes: [{ id: ids.key, label: 'jane-ci', outcome: 'outcome_unknown', owner: ids.iamId, detail: `${tx(2, 1)} never answered` }],
        },
        { type: 'run.finished', round: 2, outcome: 'failures', failedSteps: [KEYS] },
        {
          type: 'report.published',
          round: 2,
          filename: packBasename(REQUEST, 2, 2),
          fileId: ids.slackFile,
          files: [{ id: ids.slackFile, name: ids.packFile }],
          revision: 2,
        },
        { type: 'evidence.downloaded', actor: 'U08COMP', via: 'compliance', round: 2, files: [{ id: ids.slackFile, name: ids.packFile }] },
        { type: 'run.planned', round: 3, phase: 'delete', steps: [steps[0]!], startsAt: '2026-01-03T10:00:00.000Z', by: 'U09SEC' },
        { type: 'step.acting', stepId: KEYS, transactionId: tx(3, 1), itemIds: [`${ids.key}/${ids.iamId}`] },
        { type: 'step.acted', stepId: KEYS, transactionId: tx(3, 1), changes: [{ id: ids.key, label: 'jane-ci', outcome: 'removed', owner: ids.iamId }] },
        { type: 'step.retrying', stepId: KEYS, attempt: 1, error: `read-back of ${tx(3, 2)} not confirmed yet`, retryInMs: 1000 },
        {
          type: 'step.acted',
          stepId: POLICIES,
          transactionId: stepTransactionId(REQUEST, POLICIES, 3, 1),
          changes: [{ id: ids.policy, label: 'Editor', outcome: 'restored', detail: `re-created as ${ids.recreatedPolicy}` }],
        },
        { type: 'run.finished', round: 3, outcome: 'verified', failedSteps: [] },
      ];
      for (const event of events) await audit.append(REQUEST, event);

      const stored = JSON.stringify(await redis.xrange(keys.audit(REQUEST), '-', '+'));
      const { entries } = await audit.chain(REQUEST);
      const pack = buildEvidencePack({ requestId: REQUEST, round: 3, entries, generator: { name: 'offboard-bot', version: 'test', commit: 'test' } });
      const json = canonicalJson(pack);
      const pdf = await renderEvidencePdf(pack, { jsonSha256: sha256Hex(json) });
      const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
      // A long id may be wrapped across lines of a table cell: compared without the breaks.
      const printed = text.replace(/\s+/g, '');
      const missing = (where: string) =>
        Object.entries(ids)
          .filter(([, id]) => !where.includes(id))
          .map(([kind]) => kind);
      expect(missing(stored), 'trail').toEqual([]);
      expect(missing(json), 'JSON').toEqual([]);
      // The PDF names a pack by its base name (the report.published line), and never the file Slack stored.
      expect(missing(printed), 'PDF').toEqual(['packFile', 'slackFile']);
      expect(printed).toContain(packBasename(REQUEST, 2, 2));
      for (const where of [stored, json, text]) expect(where).not.toContain(API_KEY);
    } finally {
      await redis.quit();
    }
  });

  it('stay whole in what the workers send to Slack: the successor reads the replacement’s name as the bot made it', async () => {
    const slack = await startSlackSimulator({ botToken: 'xoxb-boundary-ids', users: [], channels: ['C0IDS'] });
    try {
      const client = createSlackClient({ botToken: 'xoxb-boundary-ids', signingSecret: 'unused-secret', apiUrl: slack.apiUrl, appToken: undefined });
      const text = Object.values(ids).join(' ');
      await client.chat.postMessage({ channel: 'C0IDS', text: `${text} ${API_KEY}`, blocks: [section(`replacement *${ids.replacementName}*`)] });
      const [message] = slack.messages('C0IDS');
      expect(message?.text).toBe(`${text} [redacted]`);
      expect(JSON.stringify(message?.blocks)).toContain(`replacement *${ids.replacementName}*`);
    } finally {
      await slack.close();
    }
  });
});
