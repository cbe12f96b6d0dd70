import { UnrecoverableError, type Job } from 'bullmq';
import { PermanentError } from '../src/connectors/step-errors.js';
import { deliveryJobDataSchema, rotationPackJobDataSchema, summaryDeliveryJobDataSchema } from '../src/evidence/evidence-delivery.js';
import type { RunDeps } from '../src/runs/run-deps.js';

/** A bulk request's summary to one person by direct message; as a pack, Slack refusing for good stops the retries. */
export async function processDeliverBatchSummary(job: Job, deps: Pick<RunDeps, 'evidence' | 'logger'>): Promise<void> {
  const { batchId, userId, via } = summaryDeliveryJobDataSchema.parse(job.data);
  try {
    await deps.evidence.deliverBatchSummary(batchId, userId, via);
  } catch (err) {
    if (!(err instanceof PermanentError)) throw err;
    deps.logger.error({ batchId, userId, err: err.message }, 'Slack refused the batch summary for good: it was not delivered');
    throw new UnrecoverableError(err.message);
  }
}

/** One evidence pack to one person by direct message; Slack refusing for good (a deactivated user) stops the retries. */
export async function processDeliverEvidence(job: Job, deps: Pick<RunDeps, 'evidence' | 'logger'>): Promise<void> {
  const { requestId, round, userId, via, revision } = deliveryJobDataSchema.parse(job.data);
  try {
    await deps.evidence.deliver(requestId, round, userId, via, revision);
  } catch (err) {
    if (!(err instanceof PermanentError)) throw err;
    deps.logger.error({ requestId, round, userId, via, err: err.message }, 'Slack refused the evidence pack for good: it was not delivered');
    throw new UnrecoverableError(err.message);
  }
}

/** A round's pack made again from the whole trail, once rotation tasks were closed after it was stored. */
export async function processRotationPack(job: Job, deps: Pick<RunDeps, 'evidence'>): Promise<void> {
  const { requestId, closed } = rotationPackJobDataSchema.parse(job.data);
  await deps.evidence.republishForRotations(requestId, closed);
}
