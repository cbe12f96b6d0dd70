import type { WebClient } from '@slack/web-api';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { BatchChecklistPublisher } from '../checklist/batch-checklist-publisher.js';
import type { ChecklistPublisher } from '../checklist/checklist-publisher.js';
import type { ConnectedSystem } from '../connectors/system.js';
import type { EvidencePublisher } from '../evidence/evidence-publisher.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ApprovalPublisher } from '../slack/approval-publisher.js';
import type { HandoverPublisher } from '../slack/handover-publisher.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';
import type { PendingFollowUp } from '../requests/pending-follow-up.js';
import type { PendingTimers } from '../requests/pending-timers.js';
import type { RequestStore } from '../requests/request-store.js';
import type { RetryPolicy } from './retry-delay.js';
import type { DeletionSchedule } from './deletion-schedule.js';
import type { RescanSchedule } from './rescan-schedule.js';
import type { RotationReminders } from './rotation-reminders.js';
import type { RunStarter } from './run-starter.js';
import type { SlackDirectory } from '../slack/slack-directory.js';
import type { PlannedSystem } from './run-flow.js';
import type { VerifyPolicy } from './run-step.js';
import type { TaskPolicy } from './task-step.js';

/**
 * Everything the worker's processors use between them, built once per worker process by the
 * composition root. Each processor names the part it uses (`StepJobDeps`, `FinishRunDeps`,
 * `RescanDeps`, `PreviewDeps`, …, each a Pick of this), so its signature says what it touches.
 */
export interface RunDeps {
  store: RequestStore;
  audit: AuditTrail;
  /** Renders and writes the checklist; only the checklist job calls it. */
  checklist: ChecklistPublisher;
  /** Renders and writes a bulk request's combined checklist; only the Slack job of that name calls it. */
  batchChecklist: BatchChecklistPublisher;
  /** Renders and writes the approval message; only Slack jobs call it. */
  approvals: ApprovalPublisher;
  /** Renders and posts the successor's hand-over message; only Slack jobs call it. */
  handover: HandoverPublisher;
  /** Asks for Slack output: what jobs call instead of Slack. */
  outbox: SlackOutbox;
  evidence: EvidencePublisher;
  runs: RunStarter;
  /** The deletions waiting for the end of a grace period. */
  deletions: DeletionSchedule;
  /** The looks for access that came back, after a disable or a delete phase. */
  rescans: RescanSchedule;
  /** The reminders, escalation and expiry of a request waiting for a decision, and what each does. */
  timers: PendingTimers;
  /** The reminders of a run's open rotation tasks, and what each does. */
  rotations: RotationReminders;
  followUp: PendingFollowUp;
  slack: WebClient;
  /** Who people are in Slack: what the preview reads of the person's privileges. */
  directory: SlackDirectory;
  /** Every system switched on, with its client, by system id. */
  systems: ReadonlyMap<string, ConnectedSystem>;
  /** The systems as a run covers them: scopes and steps. */
  plan: readonly PlannedSystem[];
  verify: VerifyPolicy;
  /** How manual tasks wait for their attestation. */
  tasks: TaskPolicy;
  retry: RetryPolicy;
  metrics: Metrics;
  logger: Logger;
}
