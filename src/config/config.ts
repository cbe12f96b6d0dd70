import { statSync } from 'node:fs';
import { z } from 'zod';
import type { ConfiguredSystem, SystemModule } from '../connectors/system.js';
import { list, positiveInt, url } from './env-schema.js';


/**
 * The bot's own configuration contract; each system reads its own variables (its `settings.ts`).
 * Names follow Slack's conventions so operators can reuse what they already export.
 */
const schema = z
  .object({
    SLACK_BOT_TOKEN: z.string({ message: 'SLACK_BOT_TOKEN is required (xoxb-… from OAuth & Permissions)' }).startsWith('xoxb-', {
      message: 'SLACK_BOT_TOKEN must be a bot token starting with xoxb-',
    }),
    // Required unless SLACK_APP_TOKEN is set (see REQUIRED_WITH): Socket Mode requests are not signed.
    SLACK_SIGNING_SECRET: z.string().min(1).optional(),
    SLACK_APP_TOKEN: z
      .string()
      .startsWith('xapp-', { message: 'SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information → App-Level Tokens)' })
      .optional(),
    SLACK_API_URL: url('SLACK_API_URL').optional(),
    PORT: z.coerce.number({ message: 'PORT must be a port number' }).int().min(0).max(65535, 'PORT must be at most 65535').default(3000),
    REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'REDIS_PREFIX may hold letters, digits, - and _ only').default('offboard'),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'REDIS_URL must start with redis:// or rediss://').default('redis://127.0.0.1:6379'),
    OFFBOARD_APPROVAL_CHANNEL: z
      .string({ message: 'OFFBOARD_APPROVAL_CHANNEL is required: the channel id (C… or G…) where approval requests are posted' })
      .regex(/^[CG][A-Z0-9]+$/, 'OFFBOARD_APPROVAL_CHANNEL must be a channel id such as C0123ABCD, not a name'),
    OFFBOARD_APPROVERS: z
      .string({ message: 'OFFBOARD_APPROVERS is required: a user group id (S…) or a comma list of user ids (U…)' })
      .refine((v) => /^S[A-Z0-9]+$/.test(v.trim()) || (list(v).length > 0 && list(v).every((id) => /^[UW][A-Z0-9]+$/.test(id))), {
        message: 'OFFBOARD_APPROVERS must be one user group id (S…) or a comma list of user ids (U…)',
      }),
    OFFBOARD_ROLE: z.enum(['all', 'web', 'worker'], { message: 'OFFBOARD_ROLE must be all, web or worker' }).default('all'),
    OFFBOARD_VERIFY_TIMEOUT_MS: positiveInt(300_000),
    OFFBOARD_VERIFY_INTERVAL_MS: positiveInt(50),
    OFFBOARD_JOB_ATTEMPTS: positiveInt(25),
    OFFBOARD_RETRY_DELAY_MS: positiveInt(1_000),
    OFFBOARD_RETRY_MAX_DELAY_MS: positiveInt(30_000),
    OFFBOARD_JOB_LOCK_MS: positiveInt(30_000),
    OFFBOARD_SHUTDOWN_TIMEOUT_MS: positiveInt(25_000),
    OFFBOARD_RECONCILE_INTERVAL_MS: positiveInt(60_000),
    OFFBOARD_RESCAN_AFTER: z
      .string()
      .refine((v) => list(v).every((d) => /^0*[1-9]\d*[smhd]$/.test(d)), { message: 'OFFBOARD_RESCAN_AFTER must be a comma list of durations above zero such as 1h,1d,7d,30d (units s, m, h, d)' })
      .default('1h,1d,7d,30d'),
    OFFBOARD_WORKER_CONCURRENCY: positiveInt(8),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    OFFBOARD_METRICS_PORT: z.coerce.number({ message: 'OFFBOARD_METRICS_PORT must be a port number' }).int().min(0).max(65535, 'OFFBOARD_METRICS_PORT must be at most 65535').default(9464),
    OFFBOARD_METRICS_HOST: z.string().regex(/^[A-Za-z0-9.:-]+$/, 'OFFBOARD_METRICS_HOST must be an interface address such as 127.0.0.1 or 0.0.0.0').default('127.0.0.1'),
    OFFBOARD_DASHBOARD_PORT: z
      .coerce.number({ message: 'OFFBOARD_DASHBOARD_PORT must be a port number' })
      .int()
      .min(0)
      .max(65535, 'OFFBOARD_DASHBOARD_PORT must be at most 65535')
      .optional(),
    OFFBOARD_COMPLIANCE: z
      .string()
      .refine((v) => /^S[A-Z0-9]+$/.test(v.trim()) || (list(v).length > 0 && list(v).every((id) => /^[UW][A-Z0-9]+$/.test(id))), {
        message: 'OFFBOARD_COMPLIANCE must be one user group id (S…) or a comma list of user ids (U…)',
      })
      .optional(),
    OFFBOARD_EVIDENCE_DIR: z.string().optional(),
    OFFBOARD_EVIDENCE_IN_THREAD: z.enum(['true', 'false'], { message: 'OFFBOARD_EVIDENCE_IN_THREAD must be true or false' }).default('false'),
    OFFBOARD_SIGNING_KEY_FILE: z.string().optional(),
    OFFBOARD_SIGNING_KEY_ID: z.string().regex(/^[\w.:-]{1,64}$/, 'OFFBOARD_SIGNING_KEY_ID may hold letters, digits, . : _ and - (at most 64)').optional(),
    OFFBOARD_DASHBOARD_USER: z.string().optional(),
    // Basic auth has no lockout: only length keeps guessing out of reach.
    OFFBOARD_DASHBOARD_PASSWORD: z.string().min(16, 'OFFBOARD_DASHBOARD_PASSWORD must be at least 16 characters (the dashboard has no lockout: a short password can be guessed)').optional(),
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
      verifyTimeoutMs: e.OFFBOARD_VERIFY_TIMEOUT_MS,
      verifyIntervalMs: e.OFFBOARD_VERIFY_INTERVAL_MS,
      concurrency: e.OFFBOARD_WORKER_CONCURRENCY,
    },
    logLevel: e.LOG_LEVEL,
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

function sourceOf(value: string) {
  return /^S/.test(value.trim()) ? ({ kind: 'usergroup', id: value.trim() } as const) : ({ kind: 'users', ids: list(value) } as const);
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const durationMs = (d: string) => Number(d.slice(0, -1)) * UNIT_MS[d.at(-1) as keyof typeof UNIT_MS];

/** Settings required only alongside (or without) another, which one field's schema cannot see. */
const REQUIRED_WITH: { name: string; when: (env: Record<string, string | undefined>) => boolean; message: string }[] = [
  { name: 'SLACK_SIGNING_SECRET', when: (env) => !env.SLACK_APP_TOKEN, message: 'SLACK_SIGNING_SECRET is required (Basic Information → App Credentials)' },
  { name: 'OFFBOARD_SIGNING_KEY_ID', when: (env) => env.OFFBOARD_SIGNING_KEY_FILE !== undefined, message: 'OFFBOARD_SIGNING_KEY_ID is required when OFFBOARD_SIGNING_KEY_FILE is set (it names the key in every manifest)' },
  { name: 'OFFBOARD_SIGNING_KEY_FILE', when: (env) => env.OFFBOARD_SIGNING_KEY_ID !== undefined, message: 'OFFBOARD_SIGNING_KEY_FILE is required when OFFBOARD_SIGNING_KEY_ID is set (an Ed25519 private key in PEM: npm run keygen)' },
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
  if (mode & 0o077) return `OFFBOARD_SIGNING_KEY_FILE is readable or writable by group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 it, owned by the user the bot runs as`;
  return undefined;
}

/** The bot's own settings and the systems switched on, each with its own settings read. */
export type Config = z.output<typeof schema> & { systems: ConfiguredSystem[] };
export type ApproverSource = Config['approvers'];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment for the bot and for every system in `modules`, reporting every problem
 * at once. A system is on when its switch variable is set; at least one must be. Values are never
 * echoed: some are secrets.
 */
export function loadConfig(env: NodeJS.ProcessEnv, modules: readonly SystemModule<unknown>[]): Config {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== '')) as Record<string, string>;
  const parsed = schema.safeParse(blankAsUnset);
  const problems = [
    ...(parsed.error?.issues ?? []).map((i) => ({ name: String(i.path[0]), message: i.message.includes(String(i.path[0])) ? i.message : `${String(i.path[0])}: ${i.message}` })),
    ...REQUIRED_WITH.filter((r) => r.when(blankAsUnset) && blankAsUnset[r.name] === undefined),
  ];
  // In the order of the settings, wherever a problem was found; the systems' own come after.
  const order = Object.keys(schema.in.shape);
  problems.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  const messages = problems.map((p) => p.message);
  const keyProblem = blankAsUnset.OFFBOARD_SIGNING_KEY_FILE && signingKeyFileProblem(blankAsUnset.OFFBOARD_SIGNING_KEY_FILE);
  if (keyProblem) messages.push(keyProblem);
  const systems: ConfiguredSystem[] = [];
  for (const module of modules.filter((m) => blankAsUnset[m.switchedOnBy] !== undefined)) {
    const settings = module.configure(blankAsUnset);
    if ('problems' in settings) messages.push(...settings.problems);
    else systems.push({ module, settings });
  }
  if (modules.every((m) => blankAsUnset[m.switchedOnBy] === undefined)) {
    messages.push(`No system to offboard from is switched on: set ${modules.map((m) => `${m.switchedOnBy} (${m.title})`).join(' or ')}`);
  }
  if (parsed.success && messages.length === 0) return { ...parsed.data, systems };
  throw new ConfigError(messages);
}
