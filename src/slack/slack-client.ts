import { LogLevel, WebClient, retryPolicies } from '@slack/web-api';
import type { Config } from '../config/config.js';

/** The bot's Web API client, for code outside Bolt listeners (workers, the lifecycle). */
export function createSlackClient(cfg: Config['slack']): WebClient {
  return new WebClient(cfg.botToken, {
    slackApiUrl: cfg.apiUrl,
    // Five retries in five minutes, not the default half hour: a job should fail and be retried by BullMQ instead.
    retryConfig: retryPolicies.fiveRetriesInFiveMinutes,
    logLevel: LogLevel.ERROR,
    timeout: 15_000,
  });
}
