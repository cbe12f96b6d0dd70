import webApi, { LogLevel, WebClient } from '@slack/web-api';
import type { Config } from '../config/config.js';

/** The bot's Web API client, for code outside Bolt listeners (workers, the lifecycle). */
export function createSlackClient(cfg: Config['slack']): WebClient {
  return new WebClient(cfg.botToken, {
    slackApiUrl: cfg.apiUrl,
    // Five retries in five minutes, not the default half hour: a job should fail and be retried by BullMQ instead.
    // (A CommonJS re-export Node's ESM loader cannot see by name, hence the default import.)
    retryConfig: webApi.retryPolicies.fiveRetriesInFiveMinutes,
    logLevel: LogLevel.ERROR,
    timeout: 15_000,
  });
}
