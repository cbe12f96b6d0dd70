import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import { PermanentError } from '../src/connectors/step-errors.js';
import { alertJobDataSchema, notifyJobDataSchema, requestJobDataSchema, SLACK_JOBS } from '../src/queue/queue-names.js';
import type { RunDeps } from '../src/runs/run-deps.js';

export type SlackOutputDeps = Pick<RunDeps, 'approvals' | 'checklist' | 'slack' | 'logger'>;
import { classifySlackError } from '../src/slack/classify-slack-error.js';

/**
 * Every write to Slack. A refresh renders the request's latest state when it runs, so of several
 * refreshes asked for meanwhile the last one shows everything. Rate limits and outages are thrown
 * classified, and BullMQ retries (after Slack's Retry-After) until Slack accepts.
 */
export async function processSlackOutput(job: Job, deps: SlackOutputDeps): Promise<void> {
  try {
    switch (job.name) {
      case SLACK_JOBS.announce:
        await deps.approvals.post(requestJobDataSchema.parse(job.data).requestId);
        return;
      case SLACK_JOBS.approval:
        await deps.approvals.publish(requestJobDataSchema.parse(job.data).requestId);
        return;
      case SLACK_JOBS.checklist:
        await deps.checklist.publish(requestJobDataSchema.parse(job.data).requestId);
        return;
      case SLACK_JOBS.alert: {
        const { requestId, text } = alertJobDataSchema.parse(job.data);
        await deps.approvals.alert(requestId, text);
        return;
      }
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
    throw err;
  }
}
