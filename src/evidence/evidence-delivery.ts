import type { Queue } from 'bullmq';
import { z } from 'zod';
import { DELIVER_BATCH_SUMMARY_JOB, DELIVER_EVIDENCE_JOB } from '../queue/queue-names.js';

export const deliveryJobDataSchema = z.object({
  requestId: z.string(),
  round: z.number().int().min(1),
  userId: z.string(),
  via: z.enum(['button', 'command', 'compliance']),
});
export type DeliveryJobData = z.infer<typeof deliveryJobDataSchema>;

export const summaryDeliveryJobDataSchema = z.object({ batchId: z.string(), userId: z.string() });
export type SummaryDeliveryJobData = z.infer<typeof summaryDeliveryJobDataSchema>;

/**
 * Asks a worker to send a bulk request's summary to one person by direct message: an ask is one in
 * flight per person; compliance's copy (`once`: what it is sent for) one job for a month.
 */
export async function queueSummaryDelivery(queue: Queue, data: SummaryDeliveryJobData, attempts: number, once?: string): Promise<void> {
  const id = `${data.batchId}.summary.${data.userId}`;
  await queue.add(DELIVER_BATCH_SUMMARY_JOB, data, {
    ...(once ? { jobId: `${id}.${once}`, removeOnComplete: { age: 30 * 24 * 3600 } } : { deduplication: { id }, removeOnComplete: true }),
    attempts,
    backoff: { type: 'offboard' },
    removeOnFail: { age: 7 * 24 * 3600 },
  });
}

/**
 * Asks a worker to send a stored pack to one person by direct message (the upload is Slack work:
 * never in a listener, retried by BullMQ). Compliance's copy is one job per round and person for
 * good; an ask is one in flight per person, and asking again later sends it again.
 */
export async function queueDelivery(queue: Queue, data: DeliveryJobData, attempts: number): Promise<void> {
  const id = `${data.requestId}.deliver.r${data.round}.${data.userId}`;
  const once = data.via === 'compliance' ? { jobId: `${id}.compliance` } : { deduplication: { id } };
  await queue.add(DELIVER_EVIDENCE_JOB, data, {
    ...once,
    attempts,
    backoff: { type: 'offboard' },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  });
}
