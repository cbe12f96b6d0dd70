import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { WebClient } from '@slack/web-api';
import type { AuditTrail } from '../src/audit/audit-trail.js';
import type { Config } from '../src/config/config.js';
import type { ConnectedSystem } from '../src/connectors/system.js';
import type { Logger } from '../src/logger.js';
import type { Metrics } from '../src/metrics/metrics.js';
import type { QUEUES } from '../src/queue/queue-names.js';
import type { Keys } from '../src/redis.js';
import type { RequestLock } from '../src/request-lock.js';
import type { PendingTimers } from '../src/requests/pending-timers.js';
import type { RequestStore } from '../src/requests/request-store.js';
import type { DeletionSchedule } from '../src/runs/deletion-schedule.js';
import type { RescanSchedule } from '../src/runs/rescan-schedule.js';
import type { PlannedSystem } from '../src/runs/run-flow.js';
import type { RunStarter } from '../src/runs/run-starter.js';
import type { SlackDirectory } from '../src/slack/slack-directory.js';
import type { SlackOutbox } from '../src/slack/slack-outbox.js';

export type Queues = Record<keyof typeof QUEUES, Queue>;

/** What the web and the worker parts of one process share: built once by startOffboardBot. */
export interface BotParts {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  slack: WebClient;
  redis: Redis;
  keys: Keys;
  store: RequestStore;
  audit: AuditTrail;
  lock: RequestLock;
  directory: SlackDirectory;
  /** Every system switched on, with its client (not called until a worker has checked its credentials), by system id. */
  systems: ReadonlyMap<string, ConnectedSystem>;
  /** The systems switched on, as runs cover them. */
  plan: PlannedSystem[];
  queues: Queues;
  outbox: SlackOutbox;
  runs: RunStarter;
  deletions: DeletionSchedule;
  rescans: RescanSchedule;
  /** The reminders, escalation and expiry of requests waiting for a decision. */
  timers: PendingTimers;
}
