import { createHmac, randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { createLogger } from '../../src/logger.js';
import { Keys } from '../../src/redis.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { ACME_PRODUCTION, JANE_EMAIL, LOOKALIKE_EMAIL } from '../../src/simulators/ibm-cloud/index.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { eventsOf, eventually, readTrail } from '../support/approval-helpers.js';
import { expectSlackSafe } from '../support/hostile-text.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const STANDARD_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const BAMBOO_SECRET = randomBytes(32).toString('hex');
const HR_ENV = { OFFBOARD_HR_WEBHOOK_SECRET: STANDARD_SECRET, OFFBOARD_HR_SOURCE_NAME: 'Workday', OFFBOARD_BAMBOOHR_WEBHOOK_SECRET: BAMBOO_SECRET };

const terminated = (data: Record<string, unknown> = {}, type = 'employee.terminated') =>
  JSON.stringify({
    type,
    timestamp: new Date().toISOString(),
    data: { email: JANE_EMAIL, employee_id: 'E-1042', name: 'Jane Doe', effective_at: '2099-01-15T17:00:00Z', reason: 'resignation', ...data },
  });

/** Signed as the Standard Webhooks specification says, by hand: HMAC-SHA256 over `id.timestamp.body` with the secret's base64 part. */
function standardHeaders(id: string, body: string, { secret = STANDARD_SECRET, at = Date.now() } = {}) {
  const timestamp = String(Math.floor(at / 1000));
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

/** BambooHR's signature: hex HMAC-SHA256 with the webhook's private key over the body followed by the timestamp. */
function bambooHeaders(body: string, { secret = BAMBOO_SECRET, at = Date.now() } = {}) {
  const timestamp = String(Math.floor(at / 1000));
  return { 'x-bamboohr-timestamp': timestamp, 'x-bamboohr-signature': createHmac('sha256', secret).update(body).update(timestamp).digest('hex') };
}

async function post(stack: LocalStack, path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`http://127.0.0.1:${stack.bot.port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function store(stack: LocalStack) {
  const redis = new Redis(stack.config.redisUrl);
  closers.push(() => redis.quit());
  return { redis, store: new RequestStore(redis, new Keys(stack.config.redisPrefix)) };
}

/** Ids of the request's reminder, escalation and expiry jobs still waiting to fire. */
async function followUps(stack: LocalStack, id: string): Promise<string[]> {
  const connection = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.pending, { connection, prefix: stack.config.redisPrefix });
  try {
    return (await queue.getJobs(['delayed', 'waiting'])).map((j) => String(j.id)).filter((j) => j.startsWith(id));
  } finally {
    await queue.close();
    await connection.quit();
  }
}

async function requests(stack: LocalStack) {
  return (await store(stack).store.recentReadable(100)).requests;
}

/** The approval message of the one request HR filed, once posted. */
const approvalOf = (stack: LocalStack, id: string) =>
  stack.slack.waitFor(() => stack.slack.messages(APPROVAL_CHANNEL).find((m) => !m.thread_ts && m.text.includes(id)), { timeoutMs: 15_000 });

async function withLogs() {
  const lines: string[] = [];
  const started = await start({ slackScim: true, env: HR_ENV, logger: createLogger('info', { write: (line: string) => void lines.push(line) }) });
  return { ...started, lines };
}

describe('POST /hooks/hr: the HR system files termination requests, signed per Standard Webhooks', () => {
  it('a correctly signed termination files a pending request: HR as the requester, the person found by email, its time and reason; nothing is revoked on the webhook alone', async () => {
    const { stack, player } = await start({ slackScim: true, env: HR_ENV });
    // One body: each call of terminated() stamps the time, so two calls a millisecond apart sign another body.
    const body = terminated();
    const res = await post(stack, '/hooks/hr', body, standardHeaders('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', body));

    expect(res.status).toBe(200);
    const [request] = await requests(stack);
    expect(res.json).toEqual({ events: [{ outcome: 'requested', request: request!.id }] });
    expect(request).toMatchObject({
      status: 'pending',
      requester: { slackUserId: null, name: 'HR system (Workday)' },
      subject: { slackUserId: PEOPLE.jane, name: 'Jane Doe', email: JANE_EMAIL },
      effectiveAt: '2099-01-15T17:00:00.000Z',
      reason: 'resignation',
      disposition: { kind: 'disable_then_delete', graceDays: 30 },
      // Nobody takes over: what she created is disabled with the rest, and approvers see it.
      createdItems: 'disable',
    });
    const approval = await approvalOf(stack, request!.id);
    expect(JSON.stringify(approval.blocks)).toContain('*Requested by:* HR system (Workday)');
    expect(JSON.stringify(approval.blocks)).toContain('*What they created:* Disable, delete after the grace period');
    expect(JSON.stringify(approval.blocks)).toContain(ACTIONS.approve);
    expect(eventsOf(await readTrail(stack, request!.id), 'run.planned')).toEqual([]);
    await player.click(PEOPLE.alex, 'approve', request!.id);
    expect(eventsOf(await readTrail(stack, request!.id), 'request.approved')).toHaveLength(1);

    // What did not happen: the webhook alone started nothing; approval schedules the run for the effective time.
    const trail = await readTrail(stack, request!.id);
    expect(eventsOf(trail, 'request.submitted')[0]!.actor).toBe('HR system (Workday)');
    expect(eventsOf(trail, 'step.acted')).toEqual([]);
    expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeDefined();
    expect(stack.slack.scim!.user(PEOPLE.jane)?.active).toBe(true);
  });

  it('outside text in an event is made well-formed where it comes in: a lone surrogate in a name, an employee id or a reason is filed as U+FFFD and shown escaped', async () => {
    const { stack } = await start({ slackScim: true, env: HR_ENV });
    // JSON carries lone surrogates as escapes; JSON.parse turns them into strings that are not Unicode.
    const body = terminated({ email: LOOKALIKE_EMAIL, name: 'Xavier LONE1 <!channel>', employee_id: 'E-LONE2', reason: 'misconduct LONE3' })
      .replace('LONE1', '\\ud800')
      .replace('LONE2', '\\udc00')
      .replace('LONE3', '\\ud83d');
    expect(JSON.parse(body).data.name.isWellFormed()).toBe(false);

    const res = await post(stack, '/hooks/hr', body, standardHeaders('msg_surrogate01', body));

    expect(res.status).toBe(200);
    const [request] = await requests(stack);
    expect(request!.subject.name).toBe('Xavier \ufffd <!channel>');
    expect(request!.ticket).toContain('E-\ufffd');
    expect(request!.notes).toContain('misconduct \ufffd');
    const submitted = eventsOf(await readTrail(stack, request!.id), 'request.submitted')[0]!;
    expect(JSON.stringify(submitted).isWellFormed()).toBe(true);
    const approval = await approvalOf(stack, request!.id);
    expectSlackSafe('the approval message of an HR request', approval);
    expect(approval.text).toContain('Xavier \ufffd &lt;!channel&gt;');
  });

  it('a bad signature gets 401 and a log line with no payload and no secret; nothing is stored', async () => {
    const { stack, lines } = await withLogs();
    const body = terminated();
    const forged = standardHeaders('msg_forged0001', body, { secret: `whsec_${randomBytes(24).toString('base64')}` });

    const res = await post(stack, '/hooks/hr', body, forged);

    expect(res.status).toBe(401);
    expect(await requests(stack)).toEqual([]);
    const refusal = lines.find((l) => l.includes('refused an HR webhook'));
    expect(refusal).toBeDefined();
    for (const line of lines) {
      expect(line).not.toContain(JANE_EMAIL);
      expect(line).not.toContain('E-1042');
      expect(line).not.toContain(STANDARD_SECRET.slice(6, 30));
      expect(line).not.toContain(forged['webhook-signature'].slice(3));
    }
    expect(stack.slack.messages(APPROVAL_CHANNEL)).toEqual([]);
  });

  it('a correctly signed delivery stamped more than 5 minutes ago is refused, and stores nothing', async () => {
    const { stack } = await start({ slackScim: true, env: HR_ENV });
    const body = terminated();
    const res = await post(stack, '/hooks/hr', body, standardHeaders('msg_stale0001', body, { at: Date.now() - 6 * 60_000 }));

    expect(res.status).toBe(401);
    expect(await requests(stack)).toEqual([]);
  });

  it('a webhook-id seen before changes nothing, even with another body signed under it', async () => {
    const { stack } = await start({ slackScim: true, env: HR_ENV });
    const body = terminated();
    const first = await post(stack, '/hooks/hr', body, standardHeaders('msg_replay0001', body));
    const [request] = await requests(stack);
    await approvalOf(stack, request!.id);

    const again = await post(stack, '/hooks/hr', body, standardHeaders('msg_replay0001', body));
    const other = terminated({ email: 'chris.contractor@acme.example', employee_id: 'E-7' });
    const reused = await post(stack, '/hooks/hr', other, standardHeaders('msg_replay0001', other));

    expect(first.json).toEqual({ events: [{ outcome: 'requested', request: request!.id }] });
    expect(again).toEqual({ status: 200, json: { duplicate: true } });
    expect(reused).toEqual({ status: 200, json: { duplicate: true } });
    expect((await requests(stack)).map((r) => r.id)).toEqual([request!.id]);
    expect(stack.slack.messages(APPROVAL_CHANNEL).filter((m) => !m.thread_ts)).toHaveLength(1);
  });

  it('a delivery the sender retries after we failed part-way (its id not yet remembered) files its request once and announces it once', async () => {
    const { stack } = await start({ slackScim: true, env: HR_ENV });
    const body = terminated();
    const first = await post(stack, '/hooks/hr', body, standardHeaders('msg_retry0001', body));
    const [request] = await requests(stack);
    await approvalOf(stack, request!.id);
    // As if the process had died after storing the request and before remembering the delivery.
    await store(stack).redis.del(new Keys(stack.config.redisPrefix).hrDelivery('standard', 'msg_retry0001'));

    const retried = await post(stack, '/hooks/hr', body, standardHeaders('msg_retry0001', body));

    expect(first.json).toEqual({ events: [{ outcome: 'requested', request: request!.id }] });
    expect(retried.json).toEqual({ events: [{ outcome: 'duplicate', request: request!.id }] });
    expect((await requests(stack)).map((r) => r.id)).toEqual([request!.id]);
    expect(eventsOf(await readTrail(stack, request!.id), 'request.submitted')).toHaveLength(1);
    await stack.bot.settled();
    expect(stack.slack.messages(APPROVAL_CHANNEL).filter((m) => !m.thread_ts)).toHaveLength(1);
  });

  it('a cancelled termination cancels the pending request HR filed and says so in its thread; Approve then starts nothing', async () => {
    const { stack, player } = await start({ slackScim: true, env: HR_ENV });
    const body = terminated();
    await post(stack, '/hooks/hr', body, standardHeaders('msg_term0001', body));
    const [request] = await requests(stack);
    const approval = await approvalOf(stack, request!.id);
    await eventually(async () => ((await followUps(stack, request!.id)).length > 0 ? true : undefined), 10_000, 'the reminders to be set');

    const cancel = terminated({}, 'employee.termination_cancelled');
    const res = await post(stack, '/hooks/hr', cancel, standardHeaders('msg_cancel0001', cancel));

    expect(res.json).toEqual({ events: [{ outcome: 'cancelled', request: request!.id }] });
    const [after] = await requests(stack);
    expect(after).toMatchObject({ status: 'cancelled', ended: { outcome: 'cancelled', by: 'HR system (Workday)' } });
    const trail = await readTrail(stack, request!.id);
    expect(eventsOf(trail, 'request.cancelled')).toMatchObject([{ actor: 'HR system (Workday)', state: 'pending' }]);
    // Nobody is reminded of, or told the expiry of, a request that no longer waits.
    expect(await followUps(stack, request!.id)).toEqual([]);
    const said = await stack.slack.waitFor(() => stack.slack.thread(APPROVAL_CHANNEL, approval.ts).find((m) => m.text.includes('was cancelled')));
    expect(said.text).toContain('HR system (Workday) withdrew the termination of employee E-1042');
    await stack.slack.waitFor(() => !JSON.stringify(stack.slack.message(APPROVAL_CHANNEL, approval.ts)?.blocks).includes(ACTIONS.approve));

    // What did not happen: an Approve click that arrives late decides nothing and starts no run.
    await player.click(PEOPLE.alex, 'approve', request!.id);
    const later = await readTrail(stack, request!.id);
    expect(eventsOf(later, 'request.approved')).toEqual([]);
    expect(eventsOf(later, 'run.planned')).toEqual([]);
    expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeDefined();
  });

  it("a withdrawn termination leaves a manager's own request alone", async () => {
    const { stack, player } = await start({ slackScim: true, env: HR_ENV });
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-1' });

    const cancel = terminated({}, 'employee.termination_cancelled');
    const res = await post(stack, '/hooks/hr', cancel, standardHeaders('msg_cancel0002', cancel));

    expect(res.json).toEqual({ events: [{ outcome: 'nothing_to_cancel' }] });
    expect((await store(stack).store.mustGet(id)).status).toBe('pending');
    expect(eventsOf(await readTrail(stack, id), 'request.cancelled')).toEqual([]);
  });
});

describe('POST /hooks/hr/bamboohr: BambooHR status changes mapped onto the same events', () => {
  const statusChange = (fields: Record<string, string>) =>
    JSON.stringify({
      employees: [
        {
          id: '40',
          action: 'Updated',
          changedFields: ['Employment Status'],
          fields: { 'Work Email': JANE_EMAIL, 'First Name': 'Jane', 'Last Name': 'Doe', ...fields },
        },
      ],
    });

  it('an employment status changed to Terminated files a pending request from BambooHR, ending at the end of the termination date', async () => {
    const { stack } = await start({ slackScim: true, env: HR_ENV });
    const body = statusChange({ 'Employment Status': 'Terminated', 'Termination Date': '2099-02-01', 'Termination Reason': 'Contract End' });

    const res = await post(stack, '/hooks/hr/bamboohr', body, bambooHeaders(body, { at: Date.now() - 2000 }));

    expect(res.status).toBe(200);
    const [request] = await requests(stack);
    expect(request).toMatchObject({
      status: 'pending',
      requester: { slackUserId: null, name: 'HR system (BambooHR)' },
      subject: { slackUserId: PEOPLE.jane, email: JANE_EMAIL },
      effectiveAt: '2099-02-01T23:59:59.000Z',
      reason: 'contract_end',
    });
    await approvalOf(stack, request!.id);

    // The same delivery again (a replay: same body, timestamp and signature) changes nothing, and the
    // same change sent later finds the request open; a status back to active (a rehire) cancels it.
    const headers = bambooHeaders(body);
    expect((await post(stack, '/hooks/hr/bamboohr', body, headers)).json).toMatchObject({ events: [{ outcome: 'already_open', request: request!.id }] });
    expect((await post(stack, '/hooks/hr/bamboohr', body, headers)).json).toEqual({ duplicate: true });
    const rehired = statusChange({ 'Employment Status': 'Full-Time' });
    expect((await post(stack, '/hooks/hr/bamboohr', rehired, bambooHeaders(rehired))).json).toEqual({
      events: [{ outcome: 'cancelled', request: request!.id }],
    });
    expect((await requests(stack)).map((r) => r.status)).toEqual(['cancelled']);
  });

  it('a BambooHR delivery signed with another key gets 401 and files nothing', async () => {
    const { stack } = await start({ slackScim: true, env: HR_ENV });
    const body = statusChange({ 'Employment Status': 'Terminated' });

    const res = await post(stack, '/hooks/hr/bamboohr', body, bambooHeaders(body, { secret: randomBytes(32).toString('hex') }));

    expect(res.status).toBe(401);
    expect(await requests(stack)).toEqual([]);
  });
});
