import type { Job } from 'bullmq';
import { DelayedError, UnrecoverableError } from 'bullmq';
import { PermanentError, RetryableError } from '../src/connectors/step-errors.js';
import {
  alertJobDataSchema,
  batchJobDataSchema,
  checklistJobDataSchema,
  notifyJobDataSchema,
  requestJobDataSchema,
  SLACK_JOBS,
} from '../src/queue/queue-names.js';
import type { RunDeps } from '../src/runs/run-deps.js';
import { classifySlackError } from '../src/slack/classify-slack-error.js';

export type SlackOutputDeps = Pick<RunDeps, 'approvals' | 'checklist' | 'handover' | 'slack' | 'logger'> &
  Partial<Pick<RunDeps, 'timers' | 'batchChecklist' | 'store' | 'outbox'>>;

/**
 * Every write to Slack. A refresh renders the request's latest state when it runs, so of several
 * refreshes asked for meanwhile the last one shows everything. Rate limits and outages are thrown
 * classified, and BullMQ retries (after Slack's Retry-After) until Slack accepts.
 *
 * With the job's `token` (a real worker), a checklist refresh is spaced: while the round runs it
 * moves itself to later rather than write again within the spacing, and a refresh that wakes it
 * early while Slack's Retry-After runs goes back to sleep until then.
 */
export async function processSlackOutput(job: Job, deps: SlackOutputDeps, token?: string): Promise<void> {
  try {
    switch (job.name) {
      case SLACK_JOBS.announce: {
        const request = await deps.approvals.post(requestJobDataSchema.parse(job.data).requestId);
        // With the message, so a request the reconciler announces after a crash is followed up too.
        if (request.status === 'pending') await deps.timers?.start(request);
        return;
      }
      case SLACK_JOBS.approval:
        await deps.approvals.publish(requestJobDataSchema.parse(job.data).requestId);
        return;
      case SLACK_JOBS.checklist: {
        const { requestId, notBefore } = checklistJobDataSchema.parse(job.data);
        if (token && notBefore !== undefined && notBefore > Date.now()) return await later(job, token, notBefore);
        const write = await deps.checklist.publish(requestId, { spaced: token !== undefined });
        if (write.kind === 'written') return await refreshBatchOf(deps, requestId);
        await job.moveToDelayed(write.at, token!);
        // A refresh asked for while this one was deciding was kept for after it (it found the job
        // active, not waiting): a round's outcome recorded meanwhile must not wait for the spacing.
        if (await deps.checklist.writtenAtOnce(requestId)) await job.promote();
        throw new DelayedError();
      }
      case SLACK_JOBS.batchChecklist: {
        if (!deps.batchChecklist) throw new PermanentError('this worker draws no combined checklists of bulk requests');
        await deps.batchChecklist.publish(batchJobDataSchema.parse(job.data).batchId);
        return;
      }
      case SLACK_JOBS.alert: {
        const { requestId, text } = alertJobDataSchema.parse(job.data);
        await deps.approvals.alert(requestId, text);
        return;
      }
      case SLACK_JOBS.handover:
        await deps.handover.publish(requestJobDataSchema.parse(job.data).requestId);
        return;
      case SLACK_JOBS.notify: {
        const { userId, text } = notifyJobDataSchema.parse(job.data);
        await deps.slack.chat.postMessage({ channel: userId, text }).catch((err: unknown) => {
          throw classifySlackError('direct message', err);
        });
        return;
      }
      default:
        throw new PermanentError(`no Slack job called "${job.name}"`);
    }
  } catch (err) {
    // Retrying cannot help a refused token or a deleted channel: say so once and stop.
    if (err instanceof PermanentError) {
      deps.logger.error({ job: job.name, data: job.data, err: err.message }, 'Slack refused a message for good');
      throw new UnrecoverableError(err.message);
    }
    // Kept on the job, so a refresh asked for meanwhile (which wakes it) does not call Slack before then.
    if (token && job.name === SLACK_JOBS.checklist && err instanceof RetryableError && err.retryAfterMs !== undefined) {
      await job.updateData({ ...job.data, notBefore: Date.now() + err.retryAfterMs });
    }
    throw err;
  }
}

/** A person of a bulk request moved: the combined checklist follows (spaced, see SlackOutbox.refreshBatchChecklist). */
async function refreshBatchOf(deps: SlackOutputDeps, requestId: string): Promise<void> {
  if (!deps.store || !deps.outbox) return;
  const request = await deps.store.get(requestId);
  if (request?.batch) await deps.outbox.refreshBatchChecklist(request.batch.id);
}

/** Runs the job again at `at`, as a delayed job: no worker slot held, no attempt used. */
async function later(job: Job, token: string, at: number): Promise<never> {
  await job.moveToDelayed(at, token);
  throw new DelayedError();
}
