import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SYSTEMS } from '../../jobs/systems.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { SystemDeclaration } from '../../src/connectors/system-kinds.js';
import { kitOf, kitOfDeclared } from '../../src/simulators/kit.js';
import { SlackEventsClient, SocketModeEventsClient, startSlackSimulator, type SimSlackUser, type SlackSimulator } from '../../src/simulators/slack/index.js';
import type { SlackEventsDriver } from '../../src/simulators/slack/index.js';
import { EVENTS_PATH } from '../../src/slack/slack-server.js';
import { startOffboardBot, type OffboardBot } from '../offboard-bot.js';
import { APPROVAL_CHANNEL, APPROVERS_GROUP, GENERAL_CHANNEL, WORKSPACE_GROUPS, WORKSPACE_USERS } from './workspace.js';
import { worldDeclaredSystems, worldSimulators, worldSystems, type WorldOptions, type WorldSimulators } from './world.js';

export interface LocalStackOptions extends WorldOptions {
  redisUrl: string;
  /** Key prefix in Redis; default a fresh random one, so stacks never see each other's data. */
  prefix?: string;
  processBeforeResponse?: boolean;
  /** Extra configuration, as environment variables (e.g. OFFBOARD_VERIFY_TIMEOUT_MS). */
  env?: Record<string, string>;
  /** People in the Slack workspace besides Acme's (e.g. a crowd leaving at once). */
  extraSlackUsers?: SimSlackUser[];
  /** User groups besides Acme's approvers (e.g. those an approval rule names): id → member ids. */
  extraUsergroups?: Record<string, string[]>;
  logger?: Logger;
}

/**
 * `socketMode: true`: the bot connects over Socket Mode (SLACK_APP_TOKEN, no signing secret) instead
 * of taking signed HTTP. Kept out of LocalStackOptions so a stack started without it is typed as HTTP.
 */
export interface SocketModeOption {
  socketMode?: boolean;
}

export interface LocalStack<Events extends SlackEventsDriver = SlackEventsDriver> extends WorldSimulators {
  config: Config;
  /** The environment the bot was configured from: what another process of it needs. */
  env: Record<string, string>;
  slack: SlackSimulator;
  /** Every registered system's simulator, by system id (started whether or not the bot is switched on against it), and each declared one's. */
  simulators: ReadonlyMap<string, unknown>;
  bot: OffboardBot;
  /** Plays Slack towards the bot: correctly signed requests, or envelopes on its socket in Socket Mode. */
  events: Events;
  stop(): Promise<void>;
}

export const SIM_BOT_TOKEN = 'xoxb-sim-0001-offboard';
export const SIM_SIGNING_SECRET = 'sim-signing-secret-0001';
export const SIM_APP_TOKEN = 'xapp-1-A0SIM0001-0001-offboard';

/** The bot, wired to a simulated Slack workspace and every registered system's simulator (its kit), on loopback ports. */
export function startLocalStack(opts: LocalStackOptions & { socketMode: true }): Promise<LocalStack<SocketModeEventsClient>>;
export function startLocalStack(opts: LocalStackOptions & { socketMode?: false }): Promise<LocalStack<SlackEventsClient>>;
export function startLocalStack(opts: LocalStackOptions & SocketModeOption): Promise<LocalStack>;
export async function startLocalStack(opts: LocalStackOptions & SocketModeOption): Promise<LocalStack> {
  const world = worldSystems(opts);
  const kits = await Promise.all([
    ...SYSTEMS.map(async ({ id }) => ({ id, kit: await kitOf(id), on: world.get(id)?.on ?? false, options: world.get(id)?.options })),
    // A declared system is on as soon as it is declared: the systems file lists only those the world switches on.
    ...worldDeclaredSystems(opts).map(async ({ declaration, options }) => ({ id: declaration.id, kit: await kitOfDeclared(declaration), on: true, options })),
  ]);
  const slack = await startSlackSimulator({
    botToken: SIM_BOT_TOKEN,
    appToken: SIM_APP_TOKEN,
    ...Object.assign({}, ...kits.filter((k) => k.on).map((k) => k.kit.workspace?.(k.options) ?? {})),
    users: [...WORKSPACE_USERS, ...(opts.extraSlackUsers ?? [])],
    usergroups: { ...WORKSPACE_GROUPS, ...opts.extraUsergroups },
    channels: [APPROVAL_CHANNEL, GENERAL_CHANNEL],
  });
  const started = await Promise.all(kits.map(async (k) => ({ ...k, ...(await k.kit.start(k.options, { workspace: slack })) })));
  const declared = started.flatMap((s) => (s.declaration ? [s.declaration] : []));
  const systemsFile = declared.length ? writeSystemsFile(declared) : undefined;
  const env: Record<string, string> = {
    ...simulatorEnv({ slack, redisUrl: opts.redisUrl, prefix: opts.prefix, socketMode: opts.socketMode }),
    ...Object.assign({}, ...started.filter((s) => s.on).map((s) => s.env)),
    ...(systemsFile ? { OFFBOARD_SYSTEMS_FILE: systemsFile.path } : {}),
    ...opts.env,
  };
  const logger = opts.logger ?? createLogger(process.env.LOG_LEVEL ?? 'silent');
  const closeSimulators = async () => {
    await Promise.all([slack.close(), ...started.map((s) => s.close())]);
    systemsFile?.remove();
  };
  let config: Config;
  try {
    config = loadConfig(env, SYSTEMS);
  } catch (err) {
    await closeSimulators();
    throw err;
  }
  let bot: OffboardBot;
  try {
    bot = await startOffboardBot(config, { logger, processBeforeResponse: opts.processBeforeResponse });
  } catch (err) {
    await closeSimulators();
    throw err;
  }
  const events = opts.socketMode
    ? new SocketModeEventsClient({ simulator: slack })
    : new SlackEventsClient({ url: `http://127.0.0.1:${bot.port}${EVENTS_PATH}`, signingSecret: SIM_SIGNING_SECRET, simulator: slack });
  const simulators = new Map(started.map((s) => [s.id, s.simulator]));
  return {
    config,
    env,
    slack,
    simulators,
    ...worldSimulators(simulators),
    bot,
    events,
    async stop() {
      await bot.stop();
      await closeSimulators();
    },
  };
}

/** The systems file the world declares its systems in, as an operator writes it; removed when the stack stops. */
function writeSystemsFile(systems: SystemDeclaration[]): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'offboard-systems-'));
  const path = join(dir, 'systems.yaml');
  writeFileSync(path, stringify({ systems }));
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface SimulatorEnvOptions {
  slack: SlackSimulator;
  redisUrl: string;
  /** Default a fresh random one. */
  prefix?: string;
  socketMode?: boolean;
}

/**
 * The bot's environment against the simulated workspace, with Acme's channel and approvers and the
 * demo's short retry and read-back settings: what startLocalStack configures besides each system's
 * variables (its kit's), and what a bench starts a bot process with.
 */
export function simulatorEnv({ slack, redisUrl, prefix, socketMode = false }: SimulatorEnvOptions): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: SIM_BOT_TOKEN,
    ...(socketMode ? { SLACK_APP_TOKEN: SIM_APP_TOKEN } : { SLACK_SIGNING_SECRET: SIM_SIGNING_SECRET }),
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    OFFBOARD_METRICS_PORT: '0',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix ?? `offboard-${randomBytes(4).toString('hex')}`,
    OFFBOARD_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
    OFFBOARD_APPROVERS: APPROVERS_GROUP,
    // The demo's approval channel holds only its approvers: packs are shown there too, to be seen at
    // a glance. Off by default in production (a channel has members who may not have the evidence).
    OFFBOARD_EVIDENCE_IN_THREAD: 'true',
    OFFBOARD_RETRY_DELAY_MS: '200',
    OFFBOARD_VERIFY_INTERVAL_MS: '100',
    OFFBOARD_VERIFY_TIMEOUT_MS: '10000',
  };
}
