import type { EvidenceDesk } from '../src/evidence/evidence-desk.js';
import type { Logger } from '../src/logger.js';
import type { RequestLifecycle } from '../src/requests/request-lifecycle.js';
import type { RequestStore } from '../src/requests/request-store.js';
import type { RotationDesk } from '../src/runs/rotation-desk.js';
import type { TaskDesk } from '../src/runs/task-desk.js';
import type { SlackDirectory } from '../src/slack/slack-directory.js';
import type { FeatureRoutes } from '../src/connectors/feature-routes.js';

/** What Slack listeners may call: the domain, never the target systems. */
export interface CommandDeps {
  lifecycle: RequestLifecycle;
  store: RequestStore;
  directory: SlackDirectory;
  /** The evidence pack on demand, and "Generate report". */
  evidence: EvidenceDesk;
  /** Attesting manual tasks from the checklist. */
  tasks: TaskDesk;
  /** Closing handed-over credentials' rotation tasks from the checklist. */
  rotations: RotationDesk;
  approvalChannel: string;
  /** The switched-on systems' own `/offboard` verbs and buttons (commands/feature-*.ts). */
  features: FeatureRoutes;
  logger: Logger;
  now: () => Date;
}
