/**
 * How long Slack waits for the bot's acknowledgement while the bot is busy: 200 concurrent signed
 * requests of each kind (`/offboard`, the request form's submission, Approve) arriving at once,
 * while 100 approved runs execute in the same bot (OFFBOARD_ROLE=all, IBM Cloud simulated at 50 ms
 * a call and 500 ms before a change shows). Slack gives up on an ack after 3 s: the target is no
 * answer later than that. The same requests then go to a bare Bolt app that only acknowledges
 * (bench/bare-bolt.ts), while the bot's runs still execute, as the reference.
 *
 * Prints, for each kind and each app, p50, p99 and max in milliseconds to the HTTP answer (which
 * is the ack: HTTPReceiver answers at `ack()`), and how many answers came later than 3 s. Asserts
 * nothing: exit 0 whatever the figures, 1 when the bench itself could not run.
 *
 * The bot and bare Bolt run as child processes, and so does the load generator (this file with
 * `--load`); the simulators and Redis answer from this process. Everything listens on 127.0.0.1.
 *
 *   npm run bench:ack
 *   BENCH_CONCURRENCY=50 BENCH_RUNS=20 npm run bench:ack      # smaller
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { signSlackRequest } from '../src/simulators/slack/slack-events-client.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const SLACK_DEADLINE_MS = 3000;
const IBM_LATENCY_MS = 50;
const IBM_CONSISTENCY_MS = 500;
/** The bench stops itself (children included) after this long, whatever it is doing. */
const DEADLINE_MS = 9 * 60_000;

const KINDS = ['/offboard', 'request submission', 'Approve'] as const;
type Kind = (typeof KINDS)[number];

/** One request as the load generator sends it. */
interface Outgoing {
  body: string;
  contentType: string;
}
interface Burst {
  url: string;
  secret: string;
  requests: Outgoing[];
}
interface Hit {
  ms: number;
  status: number;
  body: string;
}

// ---- the load generator (a child process): fires a burst at once and times each answer ----

function serveBursts(): void {
  process.on('message', (burst: Burst) => {
    void fire(burst).then((hits) => process.send!(hits));
  });
  process.on('disconnect', () => process.exit(0));
}

async function fire({ url, secret, requests }: Burst): Promise<Hit[]> {
  const timestamp = Math.floor(Date.now() / 1000);
  return Promise.all(requests.map((r) => post(url, r, timestamp, signSlackRequest(secret, timestamp, r.body))));
}

/** As Slack sends it: a new connection per request, signed, the answer read whole. */
function post(url: string, { body, contentType }: Outgoing, timestamp: number, signature: string): Promise<Hit> {
  const headers = {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'X-Slack-Request-Timestamp': String(timestamp),
    'X-Slack-Signature': signature,
    Connection: 'close',
  };
  return new Promise((resolve) => {
    const t0 = performance.now();
    const hit = (status: number, text: string) => resolve({ ms: performance.now() - t0, status, body: text });
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => hit(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
      res.on('error', (err) => hit(0, err.message));
    });
    req.on('error', (err) => hit(0, err.message));
    req.end(body);
  });
}

/** The load generator as its own process, so nothing else shares its event loop. */
class LoadGenerator {
  readonly child = fork(fileURLToPath(import.meta.url), ['--load'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

  /** One burst at a time: the answers of every request in it, in order. */
  send(burst: Burst): Promise<Hit[]> {
    return new Promise((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`the load generator exited (${code})`));
      this.child.once('exit', exited);
      this.child.once('message', (hits) => {
        this.child.off('exit', exited);
        resolve(hits as Hit[]);
      });
      this.child.send(burst);
    });
  }

  stop(): void {
    this.child.disconnect();
  }
}

// ---- child processes: the bot and bare Bolt, started alike ----

interface Child {
  name: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function spawnChild(name: string, script: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (c: Buffer) => {
    out = (out + c.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    process: child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      if (!(await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]))) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

async function untilReady(child: Child, ready: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`${child.name} exited (${child.process.exitCode}) before ${what}:\n${child.output()}`);
    if (await ready().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${child.name} not ready (${what}) within 60 s:\n${child.output()}`);
}

function figures(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
  return { p50: at(50), p99: at(99), max: s.at(-1) ?? Number.NaN, late: s.filter((ms) => ms > SLACK_DEADLINE_MS).length };
}

// ---- the bench ----

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error(`bench:ack: still running after ${DEADLINE_MS / 60_000} min; stopping`);
    void cleanup().finally(() => process.exit(1));
  }, DEADLINE_MS);
  deadline.unref();

  const { startLocalRedis, freePort } = await import('../src/simulators/local-redis.js');
  const { startSlackSimulator } = await import('../src/simulators/slack/index.js');
  const { SlackPayloads } = await import('../src/simulators/slack/slack-payloads.js');
  const { startIbmCloudSimulator } = await import('../src/simulators/ibm-cloud/index.js');
  const { crowdIbmSeed, crowdPerson, crowdSlackUsers } = await import('../app/demo/crowd.js');
  const { SIM_BOT_TOKEN, SIM_SIGNING_SECRET, simulatorEnv } = await import('../app/demo/local-stack.js');
  const { ibmCloudEnv } = await import('../src/simulators/ibm-cloud/kit.js');
  const { requestFormValues } = await import('../app/demo/request-form-values.js');
  const { APPROVAL_CHANNEL, GENERAL_CHANNEL, PEOPLE, WORKSPACE_GROUPS, WORKSPACE_USERS } = await import('../app/demo/workspace.js');
  const { ACTIONS, COMMAND, FIELDS, inputAction, VIEWS } = await import('../src/slack/blocks/ids.js');
  const { EVENTS_PATH } = await import('../src/slack/slack-server.js');
  const { AuditTrail } = await import('../src/audit/audit-trail.js');
  const { Keys } = await import('../src/redis.js');
  const { Redis } = await import('ioredis');

  // People of the crowd: those whose runs execute, those whose requests the measured Approves
  // decide, and those the measured submissions ask for.
  const people = RUNS + 2 * CONCURRENCY;

  const cleanups: (() => Promise<unknown>)[] = [];
  let botForLogs: Child | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
    })());

  try {
    const redis = process.env.REDIS_URL ? undefined : await startLocalRedis();
    if (redis) cleanups.push(() => redis.stop());
    const redisUrl = process.env.REDIS_URL ?? redis!.url;
    const slack = await startSlackSimulator({
      botToken: SIM_BOT_TOKEN,
      users: [...WORKSPACE_USERS, ...crowdSlackUsers(people)],
      usergroups: WORKSPACE_GROUPS,
      channels: [APPROVAL_CHANNEL, GENERAL_CHANNEL],
    });
    cleanups.push(() => slack.close());
    const ibm = await startIbmCloudSimulator({ seed: crowdIbmSeed(people) });
    cleanups.push(() => ibm.close());

    const prefix = `bench-ack-${process.pid}`;
    const [botPort, barePort] = [await freePort(), await freePort()];
    // As app/demo/local-stack.ts configures the bot, with production's log level, retries and read-backs.
    const bot = spawnChild('bot', 'app/main.ts', {
      ...simulatorEnv({ slack, redisUrl, prefix }),
      ...ibmCloudEnv(ibm.url),
      PORT: String(botPort),
      OFFBOARD_RETRY_DELAY_MS: '1000',
      OFFBOARD_VERIFY_INTERVAL_MS: '1000',
      OFFBOARD_VERIFY_TIMEOUT_MS: '300000',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    });
    botForLogs = bot;
    cleanups.push(() => bot.stop());
    const bare = spawnChild('bare bolt', 'bench/bare-bolt.ts', {
      SLACK_BOT_TOKEN: SIM_BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIM_SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(barePort),
    });
    cleanups.push(() => bare.stop());
    await untilReady(bot, async () => (await fetch(`http://127.0.0.1:${botPort}/healthz`)).ok, 'answering /healthz');
    await untilReady(bare, async () => bare.output().includes('bare bolt listening'), 'listening');

    const load = new LoadGenerator();
    cleanups.push(async () => load.stop());
    const urls = { bot: `http://127.0.0.1:${botPort}${EVENTS_PATH}`, bare: `http://127.0.0.1:${barePort}${EVENTS_PATH}` };
    const send = (app: 'bot' | 'bare', requests: Outgoing[]) => load.send({ url: urls[app], secret: SIM_SIGNING_SECRET, requests });
    const trailRedis = new Redis(redisUrl);
    cleanups.push(async () => trailRedis.disconnect());
    const trail = new AuditTrail(trailRedis, new Keys(prefix));

    const payloads = new SlackPayloads({ simulator: slack });
    const form = (body: Record<string, string>): Outgoing => ({ body: new URLSearchParams(body).toString(), contentType: 'application/x-www-form-urlencoded' });
    const interaction = (payload: Record<string, unknown>) => form({ payload: JSON.stringify(payload) });
    const requester = PEOPLE.taylor;
    const inAWeek = Math.floor(Date.now() / 1000) + 7 * 24 * 3600;
    // The runs' requests take effect now; the rest in a week, so approving them plans a run and nothing more.
    const answers = (i: number) => ({
      person: crowdPerson(i).slackUserId,
      reason: 'resignation' as const,
      timing: i < RUNS ? ('now' as const) : ('scheduled' as const),
      effectiveAt: inAWeek,
      disposition: 'delete_now' as const,
      successor: PEOPLE.chris,
      ticket: `BENCH-${i}`,
    });
    const openedForms = () => slack.views.filter((v) => v.kind === 'open' && v.userId === requester && v.view.callback_id === VIEWS.request);
    type OpenedForm = ReturnType<typeof openedForms>[number];
    const command = () => form(payloads.slashCommand({ command: COMMAND, text: '', userId: requester, channelId: GENERAL_CHANNEL }));
    /** What Slack sends as the person and the successor are picked in a form, before it is submitted. */
    const picks = (forms: OpenedForm[], firstPerson: number): Outgoing[] =>
      forms.flatMap((f, k) =>
        [
          [FIELDS.person, crowdPerson(firstPerson + k).slackUserId],
          [FIELDS.successor, PEOPLE.chris],
        ].map(([block, picked]) =>
          interaction(
            payloads.blockAction({ userId: requester, actionId: inputAction(block!), blockId: block!, value: picked!, view: { ...f.view, id: f.id } }),
          ),
        ),
      );
    const submission = (f: OpenedForm, person: number) =>
      interaction(payloads.viewSubmission({ userId: requester, view: { id: f.id, callback_id: VIEWS.request }, values: requestFormValues(answers(person)) }));
    const approvalMessage = (id: string) => slack.messages(APPROVAL_CHANNEL).find((m) => !m.thread_ts && m.text.includes(id));
    const approve = (id: string) =>
      interaction(
        payloads.blockAction({
          userId: PEOPLE.alex,
          actionId: ACTIONS.approve,
          blockId: `decide.${id}`,
          value: id,
          channel: APPROVAL_CHANNEL,
          messageTs: approvalMessage(id)!.ts,
        }),
      );
    /** Opens `count` forms, 20 at a time, and sends the picks of the people from `firstPerson` on. */
    const openForms = async (count: number, firstPerson: number): Promise<OpenedForm[]> => {
      const opened: OpenedForm[] = [];
      while (opened.length < count) {
        const n = Math.min(20, count - opened.length);
        const before = openedForms().length;
        const commands = Array.from({ length: n }, command);
        await send('bot', commands);
        const forms = await slack.waitFor(() => openedForms().length >= before + n && openedForms().slice(before, before + n), { timeoutMs: 30_000 });
        const picked = picks(forms, firstPerson + opened.length);
        await send('bot', picked);
        // Bare Bolt takes the same requests, so its code is as warm as the bot's when the bursts come.
        await send('bare', commands);
        await send('bare', picked);
        opened.push(...forms);
      }
      return opened;
    };
    /** Submits each form for the person from `firstPerson` on, 20 at a time; the requests stored, once announced. */
    const submitForms = async (forms: OpenedForm[], firstPerson: number): Promise<string[]> => {
      const ids: string[] = [];
      for (let i = 0; i < forms.length; i += 20) {
        const batch = forms.slice(i, i + 20).map((f, k) => submission(f, firstPerson + i + k));
        await send('bot', batch);
        await send('bare', batch);
      }
      const shown = (f: OpenedForm) => JSON.stringify(slack.views.findLast((v) => v.kind === 'update' && v.id === f.id)?.view ?? '');
      const answered = (f: OpenedForm) => shown(f).includes('Request sent') || shown(f).includes('Please fix');
      await slack.waitFor(() => forms.every(answered), { timeoutMs: 120_000, intervalMs: 100 });
      for (const f of forms) {
        const id = /OFF-[0-9A-Z]{6}/.exec(shown(f))?.[0];
        if (!id || !shown(f).includes('Request sent')) throw new Error(`a submission was not stored: ${shown(f).slice(0, 300)}`);
        ids.push(id);
      }
      await slack.waitFor(() => ids.every((id) => approvalMessage(id)), { timeoutMs: 120_000, intervalMs: 100 });
      return ids;
    };
    const finishedRuns = async (ids: string[]) =>
      (await Promise.all(ids.map((id) => trail.read(id)))).filter((t) => t.some((e) => e.type === 'run.finished')).length;

    // Untimed, with IBM answering at once: the requests to run, those to approve in the bursts, and the forms to submit in them.
    const started = Date.now();
    console.log(`bench:ack: making ${RUNS} requests to run, ${CONCURRENCY} to approve and ${CONCURRENCY} forms to submit`);
    const toRun = await submitForms(await openForms(RUNS + CONCURRENCY, 0), 0);
    const toApprove = toRun.splice(RUNS);
    const forms = await openForms(CONCURRENCY, RUNS + CONCURRENCY);
    console.log(`bench:ack: made in ${Math.round((Date.now() - started) / 1000)} s`);

    ibm.setLatency(IBM_LATENCY_MS);
    ibm.setConsistencyDelay(IBM_CONSISTENCY_MS);
    for (let i = 0; i < toRun.length; i += 25) {
      const clicks = toRun.slice(i, i + 25).map(approve);
      await send('bot', clicks);
      await send('bare', clicks);
    }
    const callsBefore = ibm.requests.length;
    await slack.waitFor(() => ibm.requests.length > callsBefore + RUNS, { timeoutMs: 60_000, intervalMs: 100 });
    console.log(`bench:ack: ${RUNS} runs approved and executing`);

    const burst: Record<Kind, Outgoing[]> = {
      '/offboard': Array.from({ length: CONCURRENCY }, command),
      'request submission': forms.map((f, k) => submission(f, RUNS + CONCURRENCY + k)),
      Approve: toApprove.map(approve),
    };
    const all = KINDS.flatMap((kind) => burst[kind]);
    const measured: Record<'bot' | 'bare', Record<Kind, number[]>> = { bot: {} as never, bare: {} as never };
    /** IBM Cloud calls the runs made while each app answered its burst: the runs were executing. */
    const ibmCalls = { bot: 0, bare: 0 };
    for (const app of ['bot', 'bare'] as const) {
      const callsAtStart = ibm.requests.length;
      const hits = await send(app, all);
      ibmCalls[app] = ibm.requests.length - callsAtStart;
      const failed = hits.find((h) => h.status !== 200);
      if (failed) throw new Error(`${app} answered HTTP ${failed.status}: ${failed.body.slice(0, 300)}`);
      // The bot's answer to a submission it stored updates the modal; anything else is a refusal.
      const refused = app === 'bot' && hits.slice(CONCURRENCY, 2 * CONCURRENCY).find((h) => !h.body.includes('"update"'));
      if (refused) throw new Error(`the bot refused a submission: ${refused.body.slice(0, 300)}`);
      for (const [k, kind] of KINDS.entries()) measured[app][kind] = hits.slice(k * CONCURRENCY, (k + 1) * CONCURRENCY).map((h) => h.ms);
    }
    const finished = await finishedRuns(toRun);

    const ms = (v: number) => v.toFixed(0);
    console.log(
      `\n${CONCURRENCY} requests of each kind sent at once (${all.length} concurrent), first to the bot, then the same to bare Bolt, ` +
        `while ${RUNS} approved runs executed in the bot (IBM Cloud calls they made during the bot's burst: ${ibmCalls.bot}, ` +
        `during bare Bolt's: ${ibmCalls.bare}; runs finished by then: ${finished} of ${RUNS}).` +
        `\nMilliseconds to the HTTP answer (the ack); "> 3 s": answers Slack would have given up on.`,
    );
    console.table(
      Object.fromEntries(
        KINDS.map((kind) => {
          const b = figures(measured.bot[kind]);
          const r = figures(measured.bare[kind]);
          return [
            kind,
            {
              'bot p50': ms(b.p50),
              'bot p99': ms(b.p99),
              'bot max': ms(b.max),
              'bot > 3 s': b.late,
              'bare p50': ms(r.p50),
              'bare p99': ms(r.p99),
              'bare max': ms(r.max),
              'bare > 3 s': r.late,
            },
          ];
        }),
      ),
    );
    const late = KINDS.reduce((n, kind) => n + figures(measured.bot[kind]).late, 0);
    const slowest = Math.max(...KINDS.map((k) => figures(measured.bot[k]).max));
    console.log(`summary: ${late} of the bot's ${all.length} answers came later than 3 s; its slowest took ${ms(slowest)} ms`);
  } catch (err) {
    console.error(`bench:ack failed: ${(err as Error).stack ?? err}`);
    const errors = (botForLogs?.output() ?? '').split('\n').filter((line) => /"level":(50|60)/.test(line));
    if (errors.length) console.error(`the bot's last errors:\n${errors.slice(-5).join('\n')}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(deadline);
    await cleanup();
  }
}

// Last, so every declaration above is initialised.
if (process.argv.includes('--load')) serveBursts();
else await main();
