import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { SlackPayloads } from '../../src/simulators/slack/slack-payloads.js';
import { ACTIONS, COMMAND, FIELDS, inputAction, VIEWS } from '../../src/slack/blocks/ids.js';
import { queueSnapshot } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** `npm test` runs a fixed sample; `npm run fuzz` (FUZZ_RUNS=10000) a longer one. FUZZ_SEED replays another. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 600);
const SEED = Number(process.env.FUZZ_SEED ?? 20_250_501);
/** Deliveries in flight at once, as Slack would send them from many people. */
const IN_FLIGHT = 20;
const SLACK_LIMIT_MS = 3_000;

/** People who may not decide anything, so a well-formed click from them changes nothing but the (bounded) refusal records. */
const NOT_APPROVERS = [PEOPLE.taylor, PEOPLE.chris];
const TRICKY = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'OFF-ZZZZZZ',
  '',
  ' ',
  '<!channel>',
  '{"a":',
  'U',
  'W0',
  'x'.repeat(5000),
  '\u0000',
  '😀',
];

const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom(...TRICKY));
const anything: fc.Arbitrary<unknown> = fc.oneof(text, fc.jsonValue({ maxDepth: 3 }), fc.constant(null), fc.constant(undefined), fc.integer());

/** Sets each key to the generated value, or deletes it when the generator says so. */
const overrides = (keys: string[], value: fc.Arbitrary<unknown>) =>
  fc.dictionary(fc.constantFrom(...keys), fc.option(value, { nil: undefined }), { maxKeys: keys.length });

function apply(target: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete target[k];
    else target[k] = v;
  }
  return target;
}

/** Form answers of every shape: our blocks and others, our action ids and others, values of any type. */
const stateValues = fc.oneof(
  anything,
  fc.dictionary(
    fc.oneof(fc.constantFrom(...Object.values(FIELDS), '__proto__'), text),
    fc.dictionary(
      fc.oneof(fc.constantFrom(...Object.values(FIELDS).map(inputAction), '__proto__'), text),
      fc.oneof(
        anything,
        fc.record(
          {
            type: text,
            value: anything,
            selected_user: anything,
            selected_option: fc.oneof(anything, fc.record({ value: anything })),
            selected_date_time: anything,
          },
          { requiredKeys: [] },
        ),
      ),
      { maxKeys: 3 },
    ),
    { maxKeys: 10 },
  ),
);

interface Delivery {
  kind: string;
  body: string;
  contentType?: string;
}

function arbitraries(stack: LocalStack, requestId: string): fc.Arbitrary<Delivery> {
  const payloads = new SlackPayloads({ simulator: stack.slack });
  const user = fc.oneof(fc.constantFrom(...NOT_APPROVERS, 'UNOTREAL99'), text);
  const form = (p: Record<string, unknown>) => new URLSearchParams({ payload: JSON.stringify(p) }).toString();

  const command = fc
    .record({
      user,
      command: fc.oneof(fc.constant(COMMAND), text),
      changes: overrides(['user_id', 'channel_id', 'trigger_id', 'text', 'team_id', 'response_url'], text),
      text,
    })
    .map(({ user: u, command: c, changes, text: t }) => {
      // Trigger ids the simulator never issued: a command that gets as far as opening the form opens nothing.
      const fields = apply(
        { ...payloads.slashCommand({ command: c, text: t, userId: String(u), channelId: GENERAL_CHANNEL, triggerId: `1.2.${u}` }) },
        changes,
      );
      return { kind: 'command', body: new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)])).toString() };
    });

  const click = fc
    .record({
      user,
      actionId: fc.oneof(fc.constantFrom(...Object.values(ACTIONS)), text),
      value: fc.oneof(fc.constantFrom(requestId, 'OFF-ZZZZZZ'), text),
      changes: overrides(['user', 'actions', 'channel', 'container', 'trigger_id', 'team', 'type', 'message'], anything),
    })
    .map(({ user: u, actionId, value, changes }) => {
      const p = payloads.blockAction({ userId: String(u), actionId: String(actionId), value: String(value), channel: APPROVAL_CHANNEL, triggerId: `1.2.${u}` });
      return { kind: 'block_actions', body: form(apply(p, changes)) };
    });

  const submission = fc
    .record({
      user,
      callbackId: fc.oneof(fc.constantFrom(...Object.values(VIEWS)), text),
      viewChanges: overrides(['id', 'hash', 'private_metadata', 'callback_id', 'state', 'blocks', 'team_id'], anything),
      metadata: fc.oneof(
        fc.constant(JSON.stringify({ requestId })),
        text,
        anything.map((v) => JSON.stringify(v) ?? ''),
      ),
      values: stateValues,
      changes: overrides(['user', 'view', 'team', 'type'], anything),
    })
    .map(({ user: u, callbackId, viewChanges, metadata, values, changes }) => {
      const p = payloads.viewSubmission({
        userId: String(u),
        view: { id: 'V0FUZZ0001', callback_id: String(callbackId), private_metadata: String(metadata) },
        values: {},
      });
      const view = p.view as Record<string, unknown>;
      view.state = { values };
      apply(view, viewChanges);
      return { kind: 'view_submission', body: form(apply(p, changes)) };
    });

  const event = fc
    .record({
      type: fc.oneof(fc.constantFrom('app_home_opened', 'message', 'app_mention'), text),
      changes: overrides(['user', 'tab', 'channel', 'type', 'view'], anything),
      bodyChanges: overrides(['event', 'type', 'authorizations', 'team_id'], anything),
    })
    .map(({ type, changes, bodyChanges }) => {
      // Users Slack does not know: a Home tab that gets as far as publishing publishes nothing.
      const e = apply({ type, user: 'U0NOBODY01', tab: 'home', channel: 'D0FUZZ0001' }, changes);
      return { kind: 'event', body: JSON.stringify(apply(payloads.event(e), bodyChanges)), contentType: 'application/json' };
    });

  // Bodies whose payload, or whose whole JSON, is not an object: Bolt itself throws on these.
  const notAnObject = fc.oneof(
    fc.constantFrom('null', '1', '"x"', '[]', 'true', '[{}]'),
    fc
      .jsonValue()
      .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
      .map((v) => JSON.stringify(v)),
  );
  const shapeless = fc.oneof(
    notAnObject.map((v) => ({ kind: 'payload not an object', body: new URLSearchParams({ payload: v }).toString() })),
    notAnObject.map((v) => ({ kind: 'JSON body not an object', body: v, contentType: 'application/json' })),
  );

  return fc.oneof(command, click, submission, event, shapeless);
}

/** Everything a malformed request must not change: requests, their indexes and trails (refusals aside), run jobs, Slack's state. */
async function snapshot(stack: LocalStack, redis: Redis) {
  const prefix = stack.config.redisPrefix;
  const keys = (await redis.keys(`${prefix}:*`)).filter((k) => /:(request|requests|submission|audit)(:|$)/.test(k)).sort();
  const values: Record<string, unknown> = {};
  for (const key of keys) {
    const type = await redis.type(key);
    if (type === 'string') values[key] = await redis.get(key);
    else if (type === 'zset') values[key] = await redis.zrangebyscore(key, '-inf', '+inf', 'WITHSCORES');
    else if (type === 'stream') {
      const entries = await redis.xrange(key, '-', '+');
      values[key] = entries.map(([id, f]) => [id, f]).filter(([, f]) => !/"(approval|evidence)\.refused"/.test(String((f as string[])[3])));
    }
  }
  const jobs = (await queueSnapshot(stack)).jobIds;
  const messages = [APPROVAL_CHANNEL, GENERAL_CHANNEL, ...Object.values(PEOPLE)].flatMap((c) => stack.slack.messages(c).map((m) => [c, m.ts, m.edits, m.text]));
  return { keys, values, jobs, messages, views: stack.slack.views.length, files: stack.slack.files.length };
}

describe('signed but malformed requests, generated', () => {
  it(
    `${RUNS} payloads (commands, clicks, view submissions, events): no 5xx, each answered within 3 s, nothing changed`,
    async () => {
      const { stack, player } = await start();
      const requestId = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.chris, ticket: 'HR-1' });
      await stack.slack.waitFor(() => stack.slack.messages(PEOPLE.morgan).length > 0);
      const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
      closers.push(() => redis.quit());
      const before = await snapshot(stack, redis);

      const deliveries = fc.sample(arbitraries(stack, requestId), { seed: SEED, numRuns: RUNS });
      const failures: string[] = [];
      let next = 0;
      const deliver = async () => {
        for (let d = deliveries[next++]; d; d = deliveries[next++]) {
          const t0 = Date.now();
          const res = await stack.events.post(d.body, d.contentType ? { contentType: d.contentType } : {});
          const ms = Date.now() - t0;
          // No Slack payload has that shape, so there is nobody to explain it to: a plain 400.
          const expected = d.kind.endsWith('not an object') ? 400 : 200;
          if (res.status !== expected || ms >= SLACK_LIMIT_MS) failures.push(`${d.kind}: HTTP ${res.status} after ${ms} ms: ${d.body.slice(0, 300)}`);
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, deliver));

      expect(failures).toEqual([]);
      expect(await snapshot(stack, redis)).toEqual(before);
      // Refused clicks are recorded, but a bounded number of times: a few per actor and action.
      const refusals = (await redis.xrange(`${stack.config.redisPrefix}:audit:${requestId}`, '-', '+')).filter(([, f]) =>
        String(f[3]).includes('"approval.refused"'),
      );
      expect(refusals.length).toBeLessThanOrEqual(NOT_APPROVERS.length * 3 * 5);
      // The process is up and still serves people.
      const res = await stack.events.event({ type: 'app_home_opened', user: PEOPLE.riley, channel: 'D0RILEY01', tab: 'home' });
      expect(res.status).toBe(200);
      await stack.slack.waitFor(() => stack.slack.callsTo('views.publish').some((c) => c.ok && c.args.user_id === PEOPLE.riley));
    },
    Math.max(300_000, RUNS * 100),
  );
});
