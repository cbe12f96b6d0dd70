import { SYSTEM_MODULES } from '../../jobs/systems.js';
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { startOffboardBot, type OffboardBot } from '../offboard-bot.js';
import { ACME_PRODUCTION, ACME_STAGING, SIM_BOT_API_KEY, startIbmCloudSimulator } from '../../src/simulators/ibm-cloud/index.js';
import type { IbmCloudSimulator, IbmCloudSimulatorOptions } from '../../src/simulators/ibm-cloud/index.js';
import { SlackEventsClient, SocketModeEventsClient, startSlackSimulator, type SimSlackUser, type SlackSimulator } from '../../src/simulators/slack/index.js';
import type { SlackEventsDriver } from '../../src/simulators/slack/index.js';
import { EVENTS_PATH } from '../../src/slack/slack-server.js';
import { APPROVAL_CHANNEL, APPROVERS_GROUP, GENERAL_CHANNEL, PEOPLE, WORKSPACE_GROUPS, WORKSPACE_USERS } from './workspace.js';

export interface LocalStackOptions {
  redisUrl: string;
  /** Key prefix in Redis; default a fresh random one, so stacks never see each other's data. */
  prefix?: string;
  processBeforeResponse?: boolean;
  ibm?: Omit<IbmCloudSimulatorOptions, 'port'>;
  /** Extra configuration, as environment variables (e.g. OFFBOARD_VERIFY_TIMEOUT_MS). */
  env?: Record<string, string>;
  /** People in the Slack workspace besides Acme's (e.g. a crowd leaving at once). */
  extraSlackUsers?: SimSlackUser[];
  /** User groups besides Acme's approvers (e.g. those an approval rule names): id → member ids. */
  extraUsergroups?: Record<string, string[]>;
  /** Turns on SCIM in the Slack simulator and points the bot's SLACK_ADMIN_TOKEN / SLACK_SCIM_URL at it; default off. */
  slackScim?: boolean;
  /** Points the bot at the IBM Cloud simulator (IBMCLOUD_API_KEY and the rest); default on. */
  ibmCloud?: boolean;
  logger?: Logger;
}

/**
 * `socketMode: true`: the bot connects over Socket Mode (SLACK_APP_TOKEN, no signing secret) instead
 * of taking signed HTTP. Kept out of LocalStackOptions so a stack started without it is typed as HTTP.
 */
export interface SocketModeOption {
  socketMode?: boolean;
}

export interface LocalStack<Events extends SlackEventsDriver = SlackEventsDriver> {
  config: Config;
  /** The environment the bot was configured from: what another process of it needs. */
  env: Record<string, string>;
  slack: SlackSimulator;
  ibm: IbmCloudSimulator;
  bot: OffboardBot;
  /** Plays Slack towards the bot: correctly signed requests, or envelopes on its socket in Socket Mode. */
  events: Events;
  stop(): Promise<void>;
}

export const SIM_BOT_TOKEN = 'xoxb-sim-0001-offboard';
export const SIM_SIGNING_SECRET = 'sim-signing-secret-0001';
export const SIM_APP_TOKEN = 'xapp-1-A0SIM0001-0001-offboard';
export const SIM_ADMIN_TOKEN = 'xoxp-sim-0001-offboard-admin';

/** The bot, wired to a simulated Slack workspace and a simulated IBM Cloud, on loopback ports. */
export function startLocalStack(opts: LocalStackOptions & { socketMode: true }): Promise<LocalStack<SocketModeEventsClient>>;
export function startLocalStack(opts: LocalStackOptions & { socketMode?: false }): Promise<LocalStack<SlackEventsClient>>;
export function startLocalStack(opts: LocalStackOptions & SocketModeOption): Promise<LocalStack>;
export async function startLocalStack(opts: LocalStackOptions & SocketModeOption): Promise<LocalStack> {
  const slack = await startSlackSimulator({
    botToken: SIM_BOT_TOKEN,
    appToken: SIM_APP_TOKEN,
    ...(opts.slackScim ? { adminToken: SIM_ADMIN_TOKEN, adminUserId: PEOPLE.alex } : {}),
    users: [...WORKSPACE_USERS, ...(opts.extraSlackUsers ?? [])],
    usergroups: { ...WORKSPACE_GROUPS, ...opts.extraUsergroups },
    channels: [APPROVAL_CHANNEL, GENERAL_CHANNEL],
  });
  const ibm = await startIbmCloudSimulator(opts.ibm);
  const env: Record<string, string> = {
    ...simulatorEnv({ slack, ibm, redisUrl: opts.redisUrl, prefix: opts.prefix, socketMode: opts.socketMode, ibmCloud: opts.ibmCloud }),
    ...opts.env,
  };
  const config = loadConfig(env, SYSTEM_MODULES);
  const logger = opts.logger ?? createLogger(process.env.LOG_LEVEL ?? 'silent');
  const bot = await startOffboardBot(config, { logger, processBeforeResponse: opts.processBeforeResponse });
  const events = opts.socketMode
    ? new SocketModeEventsClient({ simulator: slack })
    : new SlackEventsClient({ url: `http://127.0.0.1:${bot.port}${EVENTS_PATH}`, signingSecret: SIM_SIGNING_SECRET, simulator: slack });
  return {
    config,
    env,
    slack,
    ibm,
    bot,
    events,
    async stop() {
      await bot.stop();
      await Promise.all([slack.close(), ibm.close()]);
    },
  };
}

/** Every IBM Cloud endpoint setting, pointed at one URL (the simulator serves them all). */
export function ibmEndpointsEnv(url: string): Record<string, string> {
  return Object.fromEntries(
    ['IBMCLOUD_IAM_URL', 'USER_MANAGEMENT_URL', 'IAM_IDENTITY_URL', 'IAM_ACCESS_GROUPS_URL', 'IAM_POLICY_MANAGEMENT_URL', 'ACCOUNT_MANAGEMENT_URL'].map((k) => [
      k,
      url,
    ]),
  );
}

export interface SimulatorEnvOptions {
  slack: SlackSimulator;
  ibm: IbmCloudSimulator;
  redisUrl: string;
  /** Default a fresh random one. */
  prefix?: string;
  socketMode?: boolean;
  /** Default on. */
  ibmCloud?: boolean;
}

/**
 * The bot's environment against these simulators, with Acme's channel, approvers and accounts and
 * the demo's short retry and read-back settings: what startLocalStack configures, and what a bench
 * starts a bot process with.
 */
export function simulatorEnv({ slack, ibm, redisUrl, prefix, socketMode = false, ibmCloud = true }: SimulatorEnvOptions): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: SIM_BOT_TOKEN,
    ...(socketMode ? { SLACK_APP_TOKEN: SIM_APP_TOKEN } : { SLACK_SIGNING_SECRET: SIM_SIGNING_SECRET }),
    SLACK_API_URL: slack.apiUrl,
    ...(slack.scim ? { SLACK_ADMIN_TOKEN: SIM_ADMIN_TOKEN, SLACK_SCIM_URL: slack.scim.url } : {}),
    PORT: '0',
    OFFBOARD_METRICS_PORT: '0',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix ?? `offboard-${randomBytes(4).toString('hex')}`,
    OFFBOARD_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
    OFFBOARD_APPROVERS: APPROVERS_GROUP,
    // The demo's approval channel holds only its approvers: packs are shown there too, to be seen at
    // a glance. Off by default in production (a channel has members who may not have the evidence).
    OFFBOARD_EVIDENCE_IN_THREAD: 'true',
    ...(ibmCloud ? { IBMCLOUD_API_KEY: SIM_BOT_API_KEY, IBMCLOUD_ACCOUNT_IDS: `${ACME_PRODUCTION},${ACME_STAGING}`, ...ibmEndpointsEnv(ibm.url) } : {}),
    OFFBOARD_RETRY_DELAY_MS: '200',
    OFFBOARD_VERIFY_INTERVAL_MS: '100',
    OFFBOARD_VERIFY_TIMEOUT_MS: '10000',
  };
}
