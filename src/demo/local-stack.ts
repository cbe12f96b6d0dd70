import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../config/config.js';
import { createLogger, type Logger } from '../logger.js';
import { startOffboardBot, type OffboardBot } from '../offboard-bot.js';
import { ACME_PRODUCTION, ACME_STAGING, SIM_BOT_API_KEY, startIbmCloudSimulator } from '../simulators/ibm-cloud/index.js';
import type { IbmCloudSimulator, IbmCloudSimulatorOptions } from '../simulators/ibm-cloud/index.js';
import { SlackEventsClient, startSlackSimulator, type SlackSimulator } from '../simulators/slack/index.js';
import { EVENTS_PATH } from '../slack/slack-server.js';
import { APPROVAL_CHANNEL, APPROVERS_GROUP, GENERAL_CHANNEL, WORKSPACE_GROUPS, WORKSPACE_USERS } from './workspace.js';

export interface LocalStackOptions {
  redisUrl: string;
  /** Key prefix in Redis; default a fresh random one, so stacks never see each other's data. */
  prefix?: string;
  processBeforeResponse?: boolean;
  ibm?: Omit<IbmCloudSimulatorOptions, 'port'>;
  /** Extra configuration, as environment variables (e.g. OFFBOARD_VERIFY_TIMEOUT_MS). */
  env?: Record<string, string>;
  logger?: Logger;
}

export interface LocalStack {
  config: Config;
  slack: SlackSimulator;
  ibm: IbmCloudSimulator;
  bot: OffboardBot;
  /** Plays Slack towards the bot with correctly signed requests. */
  events: SlackEventsClient;
  stop(): Promise<void>;
}

export const SIM_BOT_TOKEN = 'xoxb-sim-0001-offboard';
export const SIM_SIGNING_SECRET = 'sim-signing-secret-0001';

/** The bot, wired to a simulated Slack workspace and a simulated IBM Cloud, on loopback ports. */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const slack = await startSlackSimulator({
    botToken: SIM_BOT_TOKEN,
    users: WORKSPACE_USERS,
    usergroups: WORKSPACE_GROUPS,
    channels: [APPROVAL_CHANNEL, GENERAL_CHANNEL],
  });
  const ibm = await startIbmCloudSimulator(opts.ibm);
  const config = loadConfig({
    SLACK_BOT_TOKEN: SIM_BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIM_SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    REDIS_URL: opts.redisUrl,
    REDIS_PREFIX: opts.prefix ?? `offboard-${randomBytes(4).toString('hex')}`,
    OFFBOARD_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
    OFFBOARD_APPROVERS: APPROVERS_GROUP,
    IBMCLOUD_API_KEY: SIM_BOT_API_KEY,
    IBMCLOUD_ACCOUNT_IDS: `${ACME_PRODUCTION},${ACME_STAGING}`,
    IBMCLOUD_IAM_URL: ibm.url,
    USER_MANAGEMENT_URL: ibm.url,
    IAM_IDENTITY_URL: ibm.url,
    IAM_ACCESS_GROUPS_URL: ibm.url,
    IAM_POLICY_MANAGEMENT_URL: ibm.url,
    OFFBOARD_RETRY_DELAY_MS: '200',
    OFFBOARD_VERIFY_INTERVAL_MS: '100',
    OFFBOARD_VERIFY_TIMEOUT_MS: '10000',
    ...opts.env,
  });
  const logger = opts.logger ?? createLogger(process.env.LOG_LEVEL ?? 'silent');
  const bot = await startOffboardBot(config, { logger, processBeforeResponse: opts.processBeforeResponse });
  const events = new SlackEventsClient({ url: `http://127.0.0.1:${bot.port}${EVENTS_PATH}`, signingSecret: SIM_SIGNING_SECRET, simulator: slack });
  return {
    config,
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
