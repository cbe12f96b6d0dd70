import type { EvidenceDesk } from '../src/evidence/evidence-desk.js';
import type { Logger } from '../src/logger.js';
import type { RequestLifecycle } from '../src/requests/request-lifecycle.js';
import type { RequestStore } from '../src/requests/request-store.js';
import type { SlackDirectory } from '../src/slack/slack-directory.js';
import type { SweepRequests } from '../src/connectors/ibm-cloud/sweep/sweep-requests.js';

/** What Slack listeners may call: the domain, never the target systems. */
export interface CommandDeps {
  lifecycle: RequestLifecycle;
  store: RequestStore;
  directory: SlackDirectory;
  /** The evidence pack on demand, and "Generate report". */
  evidence: EvidenceDesk;
  approvalChannel: string;
  /** The inactive-identities sweep, when IBM Cloud is switched on. */
  sweeps?: SweepRequests;
  logger: Logger;
  now: () => Date;
}
