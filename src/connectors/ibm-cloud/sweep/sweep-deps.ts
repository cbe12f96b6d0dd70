import type { Queue } from 'bullmq';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../../logger.js';
import type { IbmCloudClient } from '../ibm-cloud-client.js';
import type { SweepActions } from './sweep-actions.js';
import type { SweepPublisher } from './sweep-publisher.js';
import type { SweepSettings } from './sweep-settings.js';

/** What the sweep's jobs use, built once per worker process when IBM Cloud is switched on. */
export interface SweepDeps {
  client: IbmCloudClient;
  accounts: string[];
  settings: SweepSettings;
  /** The sweep's own queue: a run queues one job per account on it. */
  queue: Queue;
  publisher: SweepPublisher;
  actions: SweepActions;
  slack: WebClient;
  /** The approval channel, where digests go. */
  channel: string;
  /** Attempts of a job whose IBM or Slack calls fail retryably (OFFBOARD_JOB_ATTEMPTS). */
  attempts: number;
  logger: Logger;
}
