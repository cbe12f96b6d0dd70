import { statSync } from 'node:fs';
import { z } from 'zod';
import type { ConfiguredSystem, SystemModule } from '../connectors/system.js';
import { type ApprovalPolicy, DEFAULT_POLICY } from '../requests/approval-rules.js';
import { list, positiveInt, url } from './env-schema.js';
import { readPolicyFile } from './policy-file.js';
import { loadSystemsFile, SYSTEMS_FILE } from './systems-file.js';

/**
 * The bot's own configuration contract; each system reads its own variables (its `settings.ts`).
 * Names follow Slack's conventions so operators can reuse what they already export.
 */
const schema = z
  .object({
    SLACK_BOT_TOKEN: z
      .string({ message: 'SLACK_BOT_TOKEN is required (xoxb-… from OAuth & Permissions)' })
      .startsWith('xoxb-', {
        message: 'SLACK_BOT_TOKEN must be a bot token starting with xoxb-',
      })
      .describe('Bot token `xoxb-…` (OAuth & Permissions)'),
    // Required unless SLACK_APP_TOKEN is set (see REQUIRED_WITH): Socket Mode requests are not signed.
    SLACK_SIGNING_SECRET: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Verifies that requests come from Slack (Basic Information); not needed with `SLACK_APP_TOKEN`', unset: 'required over HTTP' }),
    SLACK_APP_TOKEN: z
      .string()
      .startsWith('xapp-', { message: 'SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information → App-Level Tokens)' })
      .optional()
      .describe("App-level token `xapp-…` with `connections:write`: Slack's events arrive over Socket Mode, no public URL needed"),
    SLACK_API_URL: url('SLACK_API_URL')
      .optional()
      .meta({ description: 'Web API base URL, e.g. a proxy or the simulator (`http://host/api/`)', unset: "Slack's" }),
    PORT: z.coerce
      .number({ message: 'PORT must be a port number' })
      .int()
      .min(0)
      .max(65535, 'PORT must be at most 65535')
      .default(3000)
      .describe('HTTP port: `/healthz`, `/readyz` in every role; Slack posts to `/slack/events` (web role over HTTP)'),
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'REDIS_PREFIX may hold letters, digits, - and _ only')
      .default('offboard')
      .describe('Prefix of every Redis key, so several installations can share a Redis'),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'REDIS_URL must start with redis:// or rediss://')
      .default('redis://127.0.0.1:6379')
      .describe('Redis for requests, the audit trail and the queues'),
    OFFBOARD_APPROVAL_CHANNEL: z
      .string({ message: 'OFFBOARD_APPROVAL_CHANNEL is required: the channel id (C… or G…) where approval requests are posted' })
      .regex(/^[CG][A-Z0-9]+$/, 'OFFBOARD_APPROVAL_CHANNEL must be a channel id such as C0123ABCD, not a name')
      .describe('Channel id (`C…`/`G…`) where approval requests, checklists and reports go'),
    OFFBOARD_APPROVERS: z
      .string({ message: 'OFFBOARD_APPROVERS is required: a user group id (S…) or a comma list of user ids (U…)' })
      .refine((v) => /^S[A-Z0-9]+$/.test(v.trim()) || (list(v).length > 0 && list(v).every((id) => /^[UW][A-Z0-9]+$/.test(id))), {
        message: 'OFFBOARD_APPROVERS must be one user group id (S…) or a comma list of user ids (U…)',
      })
      .describe('A user group id `S…` (read at most 3 s before each click; one reading serves a burst of clicks) or a comma list of user ids `U…`'),
    OFFBOARD_POLICY_FILE: z.string().optional().meta({
      description:
        'Approval rules as data, in YAML or JSON (see docs/approval-rules.md): who must approve which requests, how many, and whether a rejection ends them. Checked at start-up, every problem listed',
      unset: 'two approvals for a termination for cause and for privileged people, one otherwise',
    }),
    OFFBOARD_ROLE: z
      .enum(['all', 'web', 'worker'], { message: 'OFFBOARD_ROLE must be all, web or worker' })
      .default('all')
      .describe('`all`, `web` (HTTP receiver only) or `worker` (jobs only)'),
    OFFBOARD_VERIFY_TIMEOUT_MS: positiveInt(300_000).describe('How long a step keeps reading back before failing with "not confirmed"'),
    OFFBOARD_VERIFY_INTERVAL_MS: positiveInt(50).describe(
      'Shortest pause between read-backs. The first read-back after a change waits as long as the worker has seen the system take to show one (at once until it has seen one confirmed); each pause after a read-back too early is a tenth of the time waited so far once that time is known (a change a system takes D to show is confirmed about D/10 late at most), half of it while it is not (the delay is searched geometrically: about log1.5(D / this) read-backs, at most D/2 late), at least this and at most 10 s; each pause is a delayed job, not a busy worker. A step that changed nothing and found nothing is verified by its inventory listing, with no read-back',
    ),
    OFFBOARD_JOB_ATTEMPTS: positiveInt(25).describe(
      'Attempts per step before it fails (retryable errors only: 429, 5xx, network). A retried step resumes where it stopped',
    ),
    OFFBOARD_RETRY_DELAY_MS: positiveInt(1_000).describe('First retry delay; doubles each attempt (±20% jitter); never shorter than `Retry-After`'),
    OFFBOARD_RETRY_MAX_DELAY_MS: positiveInt(30_000).describe('Cap on the doubling retry delay (a longer `Retry-After` is still honoured)'),
    OFFBOARD_JOB_LOCK_MS: positiveInt(30_000).describe(
      "How long a job's lock lasts without renewal: a killed worker's steps are taken over after about this long",
    ),
    OFFBOARD_SHUTDOWN_TIMEOUT_MS: positiveInt(25_000).describe(
      'How long a stop waits for active jobs to finish and connections to close; after it the process exits and another worker takes those jobs over once their lock lapses (`OFFBOARD_JOB_LOCK_MS`)',
    ),
    OFFBOARD_RECONCILE_INTERVAL_MS: positiveInt(60_000).describe(
      'How often the reconciler looks for approved requests without their jobs, lost jobs and unposted messages (also once at start-up)',
    ),
    OFFBOARD_RESCAN_AFTER: z
      .string()
      .refine((v) => list(v).every((d) => /^0*[1-9]\d*[smhd]$/.test(d)), {
        message: 'OFFBOARD_RESCAN_AFTER must be a comma list of durations above zero such as 1h,1d,7d,30d (units s, m, h, d)',
      })
      .default('1h,1d,7d,30d')
      .describe('When to look again, after a disable and after a delete phase, for access that came back (units s, m, h, d)'),
    OFFBOARD_REMIND_AFTER: duration('OFFBOARD_REMIND_AFTER', '4h').describe(
      'How long a request waits for a decision before its approvers are reminded in its thread (and the requester told); each next reminder waits twice as long as the one before (units s, m, h, d)',
    ),
    OFFBOARD_ESCALATE_AFTER: duration('OFFBOARD_ESCALATE_AFTER', '1d').describe(
      'How long a request waits for a decision before it is escalated to `OFFBOARD_ESCALATION` (units s, m, h, d)',
    ),
    OFFBOARD_ESCALATION: z
      .string()
      .regex(/^[SCG][A-Z0-9]+$/, 'OFFBOARD_ESCALATION must be a user group id (S…) or a channel id (C… or G…)')
      .optional()
      .meta({
        description:
          'Where a request that waited `OFFBOARD_ESCALATE_AFTER` is escalated: a user group `S…` (called on in the approval channel) or a channel `C…`/`G…`',
        unset: 'no escalation',
      }),
    OFFBOARD_EXPIRE_AFTER: duration('OFFBOARD_EXPIRE_AFTER', '7d').describe(
      'How long a request waits for a decision before it expires (the requester is told; nothing is removed) (units s, m, h, d)',
    ),
    OFFBOARD_TASK_REMIND_AFTER: duration('OFFBOARD_TASK_REMIND_AFTER', '1d').describe(
      "How long a manual task (`kind: manual` in the systems file), or a step's tasks attested item by item, stays open before its attesters (the approvers, for item tasks) are reminded in the request thread, and again each time as long after, until it is attested (units s, m, h, d)",
    ),
    OFFBOARD_ROTATION_REMIND_AFTER: duration('OFFBOARD_ROTATION_REMIND_AFTER', '1d').describe(
      'How long a rotation task (a handed-over credential the person created or saw) stays open before the successor is reminded by direct message, and again each time as long after, until every task is closed; with no successor in Slack the approvers are reminded in the request thread (units s, m, h, d)',
    ),
    OFFBOARD_ROTATION_TELL_REQUESTER_AFTER: duration('OFFBOARD_ROTATION_TELL_REQUESTER_AFTER', '7d').describe(
      'How long after the hand-over the requester is told, once, which rotation tasks are still open (units s, m, h, d)',
    ),
    OFFBOARD_WORKER_CONCURRENCY: positiveInt(8).describe('Steps one worker process runs at once'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('`fatal` … `trace`, or `silent`'),
    OFFBOARD_METRICS_PORT: z.coerce
      .number({ message: 'OFFBOARD_METRICS_PORT must be a port number' })
      .int()
      .min(0)
      .max(65535, 'OFFBOARD_METRICS_PORT must be at most 65535')
      .default(9464)
      .describe('Port of `/metrics` (Prometheus), apart from the port Slack posts to; `0` picks a free one'),
    OFFBOARD_METRICS_HOST: z
      .string()
      .regex(/^[A-Za-z0-9.:-]+$/, 'OFFBOARD_METRICS_HOST must be an interface address such as 127.0.0.1 or 0.0.0.0')
      .default('127.0.0.1')
      .describe('Interface `/metrics` listens on: `0.0.0.0` to let a Prometheus on another host scrape it (keep the port off public load balancers)'),
    OFFBOARD_DASHBOARD_PORT: z.coerce
      .number({ message: 'OFFBOARD_DASHBOARD_PORT must be a port number' })
      .int()
      .min(0)
      .max(65535, 'OFFBOARD_DASHBOARD_PORT must be at most 65535')
      .optional()
      .meta({ description: 'Port of the read-only queue dashboard (Bull Board)', unset: 'unset (off)' }),
    OFFBOARD_COMPLIANCE: z
      .string()
      .refine((v) => /^S[A-Z0-9]+$/.test(v.trim()) || (list(v).length > 0 && list(v).every((id) => /^[UW][A-Z0-9]+$/.test(id))), {
        message: 'OFFBOARD_COMPLIANCE must be one user group id (S…) or a comma list of user ids (U…)',
      })
      .optional()
      .describe(
        "Who besides the approvers may have the evidence pack (**Download evidence**, `/offboard report <id>`), and who is sent every round's pack by direct message when it finishes: a user group id `S…` (read at every ask and every round) or a comma list of user ids `U…`",
      ),
    OFFBOARD_EVIDENCE_DIR: z
      .string()
      .optional()
      .describe(
        'Also writes every evidence pack (JSON, PDF, manifest) to this directory, named by request id and round, for retention outside Slack; the directory is made 0700 and the files 0600',
      ),
    OFFBOARD_EVIDENCE_IN_THREAD: z
      .enum(['true', 'false'], { message: 'OFFBOARD_EVIDENCE_IN_THREAD must be true or false' })
      .default('false')
      .describe(
        "`true` also uploads every evidence pack to the request's thread in the approval channel, where every channel member can open it. Off, packs go only by direct message to compliance and to approvers who ask",
      ),
    OFFBOARD_SIGNING_KEY_FILE: z
      .string()
      .optional()
      .describe(
        'An Ed25519 private key in PEM (`npm run keygen`): every pack then carries a detached signed manifest. Read at start-up; a file readable or writable by group or others (not `chmod 600`) is refused',
      ),
    OFFBOARD_SIGNING_KEY_ID: z
      .string()
      .regex(/^[\w.:-]{1,64}$/, 'OFFBOARD_SIGNING_KEY_ID may hold letters, digits, . : _ and - (at most 64)')
      .optional()
      .meta({ description: "The key's name, written in every manifest and on every PDF page", unset: 'required with the key file' }),
    OFFBOARD_SYSTEMS_FILE: z
      .string()
      .optional()
      .describe(
        'A YAML file declaring more systems (SCIM 2.0 applications, each switched on by the variable holding its token; manual tasks, attested by a person) beside the built-in ones (see "The systems file" below)',
      ),
    OFFBOARD_DASHBOARD_USER: z.string().optional().meta({ description: 'HTTP basic auth user of the dashboard', unset: 'required with the port' }),
    // Basic auth has no lockout: only length keeps guessing out of reach.
    OFFBOARD_DASHBOARD_PASSWORD: z
      .string()
      .min(16, 'OFFBOARD_DASHBOARD_PASSWORD must be at least 16 characters (the dashboard has no lockout: a short password can be guessed)')
      .optional()
      .meta({
        description: 'HTTP basic auth password of the dashboard: at least 16 characters, refused at start-up otherwise',
        unset: 'required with the port',
      }),
    OFFBOARD_HR_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/, 'OFFBOARD_HR_WEBHOOK_SECRET must be a Standard Webhooks secret: whsec_ followed by base64')
      .optional()
      .meta({
        description:
          "Switches on `POST /hooks/hr`: termination events signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with this `whsec_…` secret file pending requests; served beside Slack's endpoint (HTTP mode)",
        unset: 'unset (off)',
      }),
    OFFBOARD_HR_SOURCE_NAME: z
      .string()
      .regex(/^[\w .&-]{1,40}$/, 'OFFBOARD_HR_SOURCE_NAME may hold letters, digits, spaces, . & _ and - (at most 40)')
      .default('HR')
      .describe('The name of the HR system behind `/hooks/hr`, shown as the requester: "HR system (Workday)"'),
    OFFBOARD_BAMBOOHR_WEBHOOK_SECRET: z
      .string()
      .min(16, 'OFFBOARD_BAMBOOHR_WEBHOOK_SECRET must be the private key BambooHR showed when the webhook was made')
      .optional()
      .meta({
        description:
          "Switches on `POST /hooks/hr/bamboohr`: BambooHR's webhook (watching Status and Employment Status), signed with this private key (`X-BambooHR-Signature`, `X-BambooHR-Timestamp`)",
        unset: 'unset (off)',
      }),
    OFFBOARD_HR_GRACE_DAYS: z.coerce
      .number({ message: 'OFFBOARD_HR_GRACE_DAYS must be a whole number of days' })
      .int()
      .min(1)
      .max(365, 'OFFBOARD_HR_GRACE_DAYS must be at most 365')
      .default(30)
      .describe('A request an HR system files disables access first and deletes it after this many days (approvers can still end the grace period early)'),
  })
  .transform((e) => ({
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      /** Set: Slack's events arrive over Socket Mode instead of signed HTTP. */
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
    },
    /** The queue dashboard, when OFFBOARD_DASHBOARD_PORT is set (REQUIRED_WITH guarantees its login). */
    dashboard:
      e.OFFBOARD_DASHBOARD_PORT !== undefined && e.OFFBOARD_DASHBOARD_USER && e.OFFBOARD_DASHBOARD_PASSWORD
        ? { port: e.OFFBOARD_DASHBOARD_PORT, user: e.OFFBOARD_DASHBOARD_USER, password: e.OFFBOARD_DASHBOARD_PASSWORD }
        : undefined,
    port: e.PORT,
    /** Prometheus' /metrics, on a port of its own: never on the port Slack posts to, which is public. */
    metrics: { port: e.OFFBOARD_METRICS_PORT, host: e.OFFBOARD_METRICS_HOST },
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    approvalChannel: e.OFFBOARD_APPROVAL_CHANNEL,
    approvers: /^S/.test(e.OFFBOARD_APPROVERS.trim())
      ? ({ kind: 'usergroup', id: e.OFFBOARD_APPROVERS.trim() } as const)
      : ({ kind: 'users', ids: list(e.OFFBOARD_APPROVERS) } as const),
    role: e.OFFBOARD_ROLE,
    jobs: {
      attempts: e.OFFBOARD_JOB_ATTEMPTS,
      retryDelayMs: e.OFFBOARD_RETRY_DELAY_MS,
      retryMaxDelayMs: e.OFFBOARD_RETRY_MAX_DELAY_MS,
      lockMs: e.OFFBOARD_JOB_LOCK_MS,
      /** How long a stop waits for active jobs and closing connections before the process leaves them. */
      shutdownTimeoutMs: e.OFFBOARD_SHUTDOWN_TIMEOUT_MS,
      reconcileIntervalMs: e.OFFBOARD_RECONCILE_INTERVAL_MS,
      /** After a disable or a delete phase, when to look again for access that came back. */
      rescanAfterMs: list(e.OFFBOARD_RESCAN_AFTER).map(durationMs),
      /** How long a manual task stays open before its attesters are reminded, and between reminders. */
      taskRemindAfterMs: durationMs(e.OFFBOARD_TASK_REMIND_AFTER),
      /** Open rotation tasks: the successor's reminders, and the word to the requester. */
      rotation: {
        remindAfterMs: durationMs(e.OFFBOARD_ROTATION_REMIND_AFTER),
        tellRequesterAfterMs: durationMs(e.OFFBOARD_ROTATION_TELL_REQUESTER_AFTER),
      },
      verifyTimeoutMs: e.OFFBOARD_VERIFY_TIMEOUT_MS,
      verifyIntervalMs: e.OFFBOARD_VERIFY_INTERVAL_MS,
      concurrency: e.OFFBOARD_WORKER_CONCURRENCY,
    },
    /** A request waiting for a decision: reminders, escalation, expiry. */
    pending: {
      remindAfterMs: durationMs(e.OFFBOARD_REMIND_AFTER),
      escalateAfterMs: durationMs(e.OFFBOARD_ESCALATE_AFTER),
      expireAfterMs: durationMs(e.OFFBOARD_EXPIRE_AFTER),
      escalation: e.OFFBOARD_ESCALATION
        ? ({ kind: e.OFFBOARD_ESCALATION.startsWith('S') ? 'usergroup' : 'channel', id: e.OFFBOARD_ESCALATION } as const)
        : undefined,
    },
    logLevel: e.LOG_LEVEL,
    /** HR systems that may file requests: each is on when its secret is set. */
    hr: {
      standard: e.OFFBOARD_HR_WEBHOOK_SECRET ? { secret: e.OFFBOARD_HR_WEBHOOK_SECRET, name: e.OFFBOARD_HR_SOURCE_NAME } : undefined,
      bamboohrSecret: e.OFFBOARD_BAMBOOHR_WEBHOOK_SECRET,
      graceDays: e.OFFBOARD_HR_GRACE_DAYS,
    },
    evidence: {
      /** Who besides the approvers may have the evidence pack. */
      compliance: e.OFFBOARD_COMPLIANCE === undefined ? undefined : sourceOf(e.OFFBOARD_COMPLIANCE),
      dir: e.OFFBOARD_EVIDENCE_DIR,
      /** Also upload every pack to the approval thread, where every member of the channel can open it. Off: packs go by direct message only. */
      inThread: e.OFFBOARD_EVIDENCE_IN_THREAD === 'true',
      /** Both set, or neither (REQUIRED_WITH). */
      signing: e.OFFBOARD_SIGNING_KEY_FILE && e.OFFBOARD_SIGNING_KEY_ID ? { file: e.OFFBOARD_SIGNING_KEY_FILE, id: e.OFFBOARD_SIGNING_KEY_ID } : undefined,
    },
  }));

/** The bot's own variables as `npm run docs:config` documents them (each system's are its module's `variables`). */
export const botVariables = schema.in;

function sourceOf(value: string) {
  return /^S/.test(value.trim()) ? ({ kind: 'usergroup', id: value.trim() } as const) : ({ kind: 'users', ids: list(value) } as const);
}

/** One duration above zero such as 4h (units s, m, h, d). */
function duration(name: string, fallback: string) {
  return z
    .string()
    .regex(/^0*[1-9]\d*[smhd]$/, `${name} must be a duration above zero such as 30m, 4h or 7d (units s, m, h, d)`)
    .default(fallback);
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const durationMs = (d: string) => Number(d.slice(0, -1)) * UNIT_MS[d.at(-1) as keyof typeof UNIT_MS];

/** Settings required only alongside (or without) another, which one field's schema cannot see. */
const REQUIRED_WITH: { name: string; when: (env: Record<string, string | undefined>) => boolean; message: string }[] = [
  { name: 'SLACK_SIGNING_SECRET', when: (env) => !env.SLACK_APP_TOKEN, message: 'SLACK_SIGNING_SECRET is required (Basic Information → App Credentials)' },
  {
    name: 'OFFBOARD_SIGNING_KEY_ID',
    when: (env) => env.OFFBOARD_SIGNING_KEY_FILE !== undefined,
    message: 'OFFBOARD_SIGNING_KEY_ID is required when OFFBOARD_SIGNING_KEY_FILE is set (it names the key in every manifest)',
  },
  {
    name: 'OFFBOARD_SIGNING_KEY_FILE',
    when: (env) => env.OFFBOARD_SIGNING_KEY_ID !== undefined,
    message: 'OFFBOARD_SIGNING_KEY_FILE is required when OFFBOARD_SIGNING_KEY_ID is set (an Ed25519 private key in PEM: npm run keygen)',
  },
  ...['OFFBOARD_DASHBOARD_USER', 'OFFBOARD_DASHBOARD_PASSWORD'].map((name) => ({
    name,
    when: (env: Record<string, string | undefined>) => env.OFFBOARD_DASHBOARD_PORT !== undefined,
    message: `${name} is required when OFFBOARD_DASHBOARD_PORT is set (the dashboard is behind HTTP basic auth)`,
  })),
];

/**
 * A private key anyone else on the machine can read is no longer only the bot's: packs signed with
 * it prove nothing. Checked here so that it is listed with every other problem.
 */
function signingKeyFileProblem(file: string): string | undefined {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    return `OFFBOARD_SIGNING_KEY_FILE cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): it must name the Ed25519 private key in PEM (npm run keygen)`;
  }
  if (mode & 0o077)
    return `OFFBOARD_SIGNING_KEY_FILE is readable or writable by group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 it, owned by the user the bot runs as`;
  return undefined;
}

/** The bot's own settings and the systems switched on, each with its own settings read. */
export type Config = z.output<typeof schema> & {
  systems: ConfiguredSystem[];
  /**
   * Every system the bot knows, switched on or not: the built-in ones and those declared in
   * OFFBOARD_SYSTEMS_FILE, in that order. Whatever reads the registry reads this.
   */
  modules: SystemModule<unknown>[];
  /** The approval rules: OFFBOARD_POLICY_FILE, or the default rules. */
  policy: ApprovalPolicy;
};
export type ApproverSource = Config['approvers'];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment for the bot and for every system: the built-in ones in `builtIn`, each
 * switched on by its switch variable, and those OFFBOARD_SYSTEMS_FILE declares, always on (their
 * token variable unset is a problem). Every problem is reported at once; at least one system must
 * be on. Values are never echoed: some are secrets.
 */
export function loadConfig(env: NodeJS.ProcessEnv, builtIn: readonly SystemModule<unknown>[]): Config {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== '')) as Record<string, string>;
  const parsed = schema.safeParse(blankAsUnset);
  const problems = [
    ...(parsed.error?.issues ?? []).map((i) => ({
      name: String(i.path[0]),
      message: i.message.includes(String(i.path[0])) ? i.message : `${String(i.path[0])}: ${i.message}`,
    })),
    ...REQUIRED_WITH.filter((r) => r.when(blankAsUnset) && blankAsUnset[r.name] === undefined),
  ];
  // In the order of the settings, wherever a problem was found; the systems' own come after.
  const order = Object.keys(schema.in.shape);
  problems.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  const messages = problems.map((p) => p.message);
  const keyProblem = blankAsUnset.OFFBOARD_SIGNING_KEY_FILE && signingKeyFileProblem(blankAsUnset.OFFBOARD_SIGNING_KEY_FILE);
  if (keyProblem) messages.push(keyProblem);
  const file = blankAsUnset[SYSTEMS_FILE];
  const declared = file ? loadSystemsFile(file, { builtIn, reserved: order }) : { modules: [], problems: [] };
  messages.push(...declared.problems);
  const systems: ConfiguredSystem[] = [];
  const on = [...builtIn.filter((m) => blankAsUnset[m.switchedOnBy] !== undefined), ...declared.modules];
  for (const module of on) {
    const settings = module.configure(blankAsUnset);
    if ('problems' in settings) messages.push(...settings.problems);
    else systems.push({ module, settings });
  }
  if (on.length === 0 && declared.problems.length === 0) {
    messages.push(
      `No system to offboard from is switched on: set ${builtIn.map((m) => `${m.switchedOnBy} (${m.title})`).join(' or ')}, or declare one in ${SYSTEMS_FILE}`,
    );
  }
  let policy = DEFAULT_POLICY;
  if (blankAsUnset.OFFBOARD_POLICY_FILE) {
    const read = readPolicyFile(blankAsUnset.OFFBOARD_POLICY_FILE);
    if ('problems' in read) messages.push(...read.problems);
    else policy = read.policy;
  }
  if (parsed.success && messages.length === 0) return { ...parsed.data, systems, modules: [...builtIn, ...declared.modules], policy };
  throw new ConfigError(messages);
}
