import type { AuditTrail } from '../audit/audit-trail.js';
import type { ChecklistPublisher } from '../checklist/checklist-publisher.js';
import type { IbmCloudClient } from '../connectors/ibm-cloud/ibm-cloud-client.js';
import type { EvidencePublisher } from '../evidence/evidence-publisher.js';
import type { Logger } from '../logger.js';
import type { ApprovalPublisher } from '../slack/approval-publisher.js';
import type { RequestStore } from '../requests/request-store.js';
import type { VerifyPolicy } from './run-step.js';

/** What job processors need; built once per worker process. */
export interface RunDeps {
  store: RequestStore;
  audit: AuditTrail;
  checklist: ChecklistPublisher;
  evidence: EvidencePublisher;
  ibm: IbmCloudClient;
  approvals: ApprovalPublisher;
  /** Every scope a run covers (the configured IBM Cloud accounts). */
  scopes: string[];
  verify: VerifyPolicy;
  retryBaseMs: number;
  logger: Logger;
}
