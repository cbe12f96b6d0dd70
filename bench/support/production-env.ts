import { SYSTEMS } from '../../jobs/index.js';
import { loadConfig } from '../../src/config/config.js';
import { ACME_PRODUCTION } from '../../src/simulators/ibm-cloud/index.js';

/** The bot's production defaults for everything the local stack overrides for tests, read from the configuration schema so they cannot drift. */
export function productionEnv(): Record<string, string> {
  const { jobs } = loadConfig(
    {
      SLACK_BOT_TOKEN: 'xoxb-defaults',
      SLACK_SIGNING_SECRET: 'defaults',
      OFFBOARD_APPROVAL_CHANNEL: 'C0DEFAULTS',
      OFFBOARD_APPROVERS: 'U0DEFAULTS',
      IBMCLOUD_API_KEY: 'defaults',
      IBMCLOUD_ACCOUNT_IDS: ACME_PRODUCTION,
    },
    SYSTEMS,
  );
  return {
    OFFBOARD_JOB_ATTEMPTS: String(jobs.attempts),
    OFFBOARD_RETRY_DELAY_MS: String(jobs.retryDelayMs),
    OFFBOARD_RETRY_MAX_DELAY_MS: String(jobs.retryMaxDelayMs),
    OFFBOARD_VERIFY_INTERVAL_MS: String(jobs.verifyIntervalMs),
    OFFBOARD_VERIFY_TIMEOUT_MS: String(jobs.verifyTimeoutMs),
    OFFBOARD_WORKER_CONCURRENCY: String(jobs.concurrency),
    OFFBOARD_JOB_LOCK_MS: String(jobs.lockMs),
  };
}
