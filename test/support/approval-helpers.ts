import { Queue, type JobType } from 'bullmq';
import { Redis } from 'ioredis';
import type { AuditRecord } from '../../src/audit/audit-event.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { stepId } from '../../src/connectors/step-ref.js';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { SlackPlayer } from '../../app/demo/slack-player.js';
import { APPROVAL_CHANNEL } from '../../app/demo/workspace.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { Keys } from '../../src/redis.js';
import type { OffboardRequest } from '../../src/requests/request.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { ACTIONS, FIELDS, inputAction, VIEWS } from '../../src/slack/blocks/ids.js';
import { ACME_STAGING } from '../../src/simulators/ibm-cloud/index.js';

/** Every state a BullMQ job can be in, so "no jobs" really means none anywhere. */
const ALL_STATES: JobType[] = ['active', 'completed', 'delayed', 'failed', 'prioritized', 'waiting', 'waiting-children'];

/** The request's audit trail, read straight from Redis like the checklist and the report do. */
export async function readTrail(stack: LocalStack, requestId: string): Promise<AuditRecord[]> {
  const redis = new Redis(stack.config.redisUrl);
  try {
    return await new AuditTrail(redis, new Keys(stack.config.redisPrefix)).read(requestId);
  } finally {
    await redis.quit();
  }
}

export function eventsOf<T extends AuditRecord['type']>(trail: AuditRecord[], type: T): Extract<AuditRecord, { type: T }>[] {
  return trail.filter((e): e is Extract<AuditRecord, { type: T }> => e.type === type);
}

export interface QueueSnapshot {
  /** Jobs per state, per queue. */
  counts: { revocations: Record<string, number>; runs: Record<string, number> };
  /** Jobs in any state, across both queues. */
  total: number;
  /** Completed jobs, across both queues. */
  completed: number;
  /** Ids of every job in any state, sorted. */
  jobIds: string[];
}

/** What the bot's two BullMQ queues hold right now. */
export async function queueSnapshot(stack: LocalStack): Promise<QueueSnapshot> {
  const connection = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
  const prefix = stack.config.redisPrefix;
  const revocations = new Queue(QUEUES.revocations, { connection, prefix });
  const runs = new Queue(QUEUES.runs, { connection, prefix });
  try {
    const [rc, fc, rj, fj] = await Promise.all([
      revocations.getJobCounts(...ALL_STATES),
      runs.getJobCounts(...ALL_STATES),
      revocations.getJobs(ALL_STATES),
      runs.getJobs(ALL_STATES),
    ]);
    const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    return {
      counts: { revocations: rc, runs: fc },
      total: sum(rc) + sum(fc),
      completed: (rc.completed ?? 0) + (fc.completed ?? 0),
      jobIds: [...rj, ...fj].map((j) => String(j.id)).sort(),
    };
  } finally {
    await Promise.all([revocations.close(), runs.close()]);
    await connection.quit();
  }
}

/** Polls an async probe until it returns something truthy. */
export async function eventually<T>(probe: () => Promise<T | undefined | false | null>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    last = await probe();
    if (last) return last as T;
    if (Date.now() > deadline) throw new Error(`eventually: ${what} not met within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The request's trail once `rounds` rounds of it have finished. */
export async function finishedTrail(stack: LocalStack, requestId: string, { rounds = 1, timeoutMs = 20_000 } = {}): Promise<AuditRecord[]> {
  return eventually(
    async () => {
      const trail = await readTrail(stack, requestId);
      return eventsOf(trail, 'run.finished').length >= rounds ? trail : undefined;
    },
    timeoutMs,
    `${rounds} finished round(s) of ${requestId}`,
  );
}

/** The job ids one run of this request must have: one per planned step, plus the one finding the person and the finishing parent. */
export function expectedJobIds(requestId: string, trail: AuditRecord[]): string[] {
  const planned = eventsOf(trail, 'run.planned');
  const steps = planned.flatMap((p) => p.steps);
  const rescans = rescansScheduled(trail).flatMap((phase) => DEFAULT_RESCANS_MS.map((ms) => `${requestId}.rescan.${phase}.${ms}`));
  return [...steps.map((s) => `${requestId}.${stepId(s)}`), `${requestId}.identify`, `${requestId}.finish`, ...rescans].sort();
}

/** OFFBOARD_RESCAN_AFTER's default: 1 h, 1 d, 7 d, 30 d. */
export const DEFAULT_RESCANS_MS = [3_600_000, 86_400_000, 604_800_000, 2_592_000_000];

/** The phases whose finish scheduled re-scans: a delete, and a disable that waits for its deletion. */
function rescansScheduled(trail: AuditRecord[]): string[] {
  const finished = new Set(eventsOf(trail, 'run.finished').map((e) => e.round));
  return eventsOf(trail, 'run.planned')
    .filter((p) => finished.has(p.round))
    .map((p) => p.phase ?? 'delete')
    .filter((phase) => phase === 'delete' || (phase === 'disable' && trail.some((e) => e.type === 'deletion.scheduled')));
}

/** Waits until the run's audit trail says it finished and every job of it has completed. */
export async function waitForRunToFinish(stack: LocalStack, requestId: string, jobs: number): Promise<QueueSnapshot> {
  await eventually(async () => eventsOf(await readTrail(stack, requestId), 'run.finished').length > 0, 15_000, 'run.finished');
  return eventually(
    async () => {
      const snap = await queueSnapshot(stack);
      return snap.completed >= jobs ? snap : undefined;
    },
    15_000,
    `${jobs} completed jobs`,
  );
}

/** Whether the approval message still offers the Approve and Reject buttons for this request. */
export function hasDecisionButtons(blocks: unknown[] | undefined, requestId: string): boolean {
  const actions = (blocks ?? []).find((b) => (b as { block_id?: string }).block_id === `decide.${requestId}`) as
    | { type: string; elements?: { action_id?: string }[] }
    | undefined;
  if (actions?.type !== 'actions') return false;
  const ids = (actions.elements ?? []).map((e) => e.action_id);
  return ids.includes(ACTIONS.approve) && ids.includes(ACTIONS.reject);
}

/** Ephemerals shown to one user in the approval channel. */
export function ephemeralsFor(stack: LocalStack, userId: string) {
  return stack.slack.ephemerals.filter((e) => e.user === userId && e.channel === APPROVAL_CHANNEL);
}

/** Reject modals opened for one user. */
export function rejectModalsFor(stack: LocalStack, userId: string) {
  return stack.slack.views.filter((v) => v.kind === 'open' && v.userId === userId && v.view.callback_id === VIEWS.reject);
}

/** Submits the reject modal as Slack would, with this reason typed in (null: left empty). */
export function submitRejectModal(stack: LocalStack, userId: string, viewId: string, reason: string | null) {
  return stack.events.viewSubmission({
    userId,
    view: { id: viewId, callback_id: VIEWS.reject },
    values: { [FIELDS.rejectReason]: { [inputAction(FIELDS.rejectReason)]: { type: 'plain_text_input', value: reason } } },
  });
}

/**
 * The one step of the default world (Acme's two IBM Cloud accounts) that cannot look: the Resource
 * Controller answers only for production, the account the bot's API key belongs to, so what Jane
 * created in staging as service credentials and instances is not checked, in every removing round.
 */
export const STAGING_CREDENTIALS = `ibm-cloud.${ACME_STAGING}.created-credentials`;

/** A removing round of the default world in which every step but that one verified: the round says so, never "verified". */
export const VERIFIED_BUT_STAGING = { outcome: 'unchecked', failedSteps: [], uncheckedSteps: [STAGING_CREDENTIALS] } as const;

/** How the checklist's footer says it. */
export const CHECKLIST_VERIFIED_BUT_ONE = 'verified, except 1 step(s) *not checked*';

/** How the evidence PDF's outcome says it. */
export const PACK_VERIFIED_BUT_ONE = 'Not all steps verified: 1 step(s) not checked';

/** `read` on the stack's request store, through a connection of its own. */
export async function withStore<T>(stack: LocalStack, read: (store: RequestStore) => Promise<T>): Promise<T> {
  const redis = new Redis(stack.config.redisUrl);
  try {
    return await read(new RequestStore(redis, new Keys(stack.config.redisPrefix)));
  } finally {
    redis.disconnect();
  }
}

/** The request as stored now. */
export const storedRequest = (stack: LocalStack, id: string): Promise<OffboardRequest> => withStore(stack, (store) => store.mustGet(id));

/** The request's status as stored now. */
export const storedStatus = async (stack: LocalStack, id: string) => (await storedRequest(stack, id)).status;

/** Clicks one step's Retry under the request's checklist (`value` as the button carries it), as Slack sends it. */
export async function clickStepRetry(stack: LocalStack, player: SlackPlayer, userId: string, value: string): Promise<void> {
  const id = value.split('|')[0]!;
  await stack.events.blockAction({
    userId,
    actionId: ACTIONS.retryStep,
    blockId: `retry-steps.${id}`,
    value,
    channel: APPROVAL_CHANNEL,
    messageTs: player.checklist(id)!.ts,
  });
  await stack.bot.settled();
}
