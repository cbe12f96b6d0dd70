import type { Queue } from 'bullmq';
import { z } from 'zod';
import { DELIVER_BATCH_SUMMARY_JOB, DELIVER_EVIDENCE_JOB, EVIDENCE_ROTATION_JOB } from '../queue/queue-names.js';

export const deliveryJobDataSchema = z.object({
  requestId: z.string(),
  round: z.number().int().min(1),
  userId: z.string(),
  via: z.enum(['button', 'command', 'compliance']),
  /** Which of the round's packs (2 and on: made again after rotation tasks closed); absent, the first. */
  revision: z.number().int().min(2).optional(),
});
export type DeliveryJobData = z.infer<typeof deliveryJobDataSchema>;

export const summaryDeliveryJobDataSchema = z.object({
  batchId: z.string(),
  userId: z.string(),
  /** Why it is sent, as each request's trail records it; jobs queued before it was kept say nothing. */
  via: z.enum(['button', 'command', 'compliance']).optional(),
});
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
  const id = `${data.requestId}.deliver.r${data.round}${data.revision ? `.v${data.revision}` : ''}.${data.userId}`;
  const once = data.via === 'compliance' ? { jobId: `${id}.compliance` } : { deduplication: { id } };
  await queue.add(DELIVER_EVIDENCE_JOB, data, {
    ...once,
    attempts,
    backoff: { type: 'offboard' },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  });
}

export const rotationPackJobDataSchema = z.object({ requestId: z.string(), closed: z.number().int().min(1) });
export type RotationPackJobData = z.infer<typeof rotationPackJobDataSchema>;

/** How long a closing waits before its pack is made: tasks closed together make one pack. */
export const ROTATION_PACK_DEBOUNCE_MS = 3_000;

/**
 * Asks for the pack to be made again once a rotation task was closed (`closed`: how many tasks are
 * closed with it). One job per closing, for good (its id), and a short delay so that several tasks
 * closed at once are covered by the first of their jobs; the job makes nothing when the stored pack
 * already covers that many closings, or when the round is still running (its pack will).
 */
export async function queueRotationPack(queue: Queue, data: RotationPackJobData, attempts: number): Promise<void> {
  await queue.add(EVIDENCE_ROTATION_JOB, data, {
    jobId: `${data.requestId}.evidence.rotation.${data.closed}`,
    delay: ROTATION_PACK_DEBOUNCE_MS,
    attempts,
    backoff: { type: 'offboard' },
    removeOnComplete: { age: 30 * 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  });
}
