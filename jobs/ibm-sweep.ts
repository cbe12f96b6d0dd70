import { randomUUID } from 'node:crypto';
import { DelayedError, UnrecoverableError, type Job, type Queue } from 'bullmq';
import { PermanentError } from '../src/connectors/step-errors.js';
import type { SweepDeps } from '../src/connectors/ibm-cloud/sweep/sweep-deps.js';
import { pollWait, SWEEP_MAX_POLLS, type SweepSettings } from '../src/connectors/ibm-cloud/sweep/sweep-settings.js';
import {
  SWEEP_ACCOUNT_JOB,
  SWEEP_ACTION_JOB,
  SWEEP_JOB,
  sweepAccountJobDataSchema,
  sweepActionJobDataSchema,
  sweepJobDataSchema,
} from '../src/queue/queue-names.js';
import { sweepActionFailed, sweepActionReply, sweepFailed } from '../src/slack/blocks/sweep-digest.js';

/** The id of the job scheduler that runs the sweep on OFFBOARD_SWEEP_CRON. */
export const SWEEP_SCHEDULER = 'ibm-sweep';

/** Runs the sweep on its cron in its time zone, or stops a schedule an earlier configuration left. */
export async function scheduleSweep(queue: Queue, settings: SweepSettings | undefined): Promise<void> {
  if (!settings?.cron) {
    await queue.removeJobScheduler(SWEEP_SCHEDULER);
    return;
  }
  await queue.upsertJobScheduler(
    SWEEP_SCHEDULER,
    { pattern: settings.cron, tz: settings.tz },
    {
      name: SWEEP_JOB,
      data: { actor: 'schedule' },
      opts: { attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: true, removeOnFail: 100 },
    },
  );
}

/** Every job of the sweep's queue, by name. */
export async function processSweepQueue(job: Job, deps: SweepDeps, token?: string): Promise<void> {
  if (job.name === SWEEP_JOB) return processSweep(job, deps);
  if (job.name === SWEEP_ACCOUNT_JOB) return processSweepAccount(job, deps, token);
  if (job.name === SWEEP_ACTION_JOB) return processSweepAction(job, deps);
  throw new UnrecoverableError(`no processor for job "${job.name}"`);
}

/** A run: one job per configured account. An account whose sweep is still running is not swept twice (same job id). */
async function processSweep(job: Job, deps: SweepDeps): Promise<void> {
  const { actor } = sweepJobDataSchema.parse(job.data);
  for (const account of deps.accounts) {
    await deps.queue.add(
      SWEEP_ACCOUNT_JOB,
      { account, actor, polls: 0 },
      {
        jobId: `sweep-account.${account}`,
        attempts: deps.attempts,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }
  deps.logger.info({ actor, accounts: deps.accounts.length }, 'inactive-identities sweep started');
}

/**
 * One account: ask IAM for the report, then read it after a delay that doubles each time it is
 * still generating (a delayed job each time, never a wait in the worker), up to SWEEP_MAX_POLLS
 * reads; post the digest once it is ready. A report another caller replaced (404) is asked again.
 */
async function processSweepAccount(job: Job, deps: SweepDeps, token?: string): Promise<void> {
  try {
    await sweepAccount(job, deps, token);
  } catch (err) {
    if (err instanceof DelayedError || err instanceof UnrecoverableError) throw err;
    // A refusal (403, a bad setting) will not pass on retry; anything else is retried until the last attempt.
    const last = err instanceof PermanentError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (!last) throw err;
    const { account } = sweepAccountJobDataSchema.parse(job.data);
    await deps.slack.chat.postMessage({ channel: deps.channel, ...sweepFailed(account, (err as Error).message) });
    throw new UnrecoverableError((err as Error).message);
  }
}

async function sweepAccount(job: Job, deps: SweepDeps, token?: string): Promise<void> {
  const data = sweepAccountJobDataSchema.parse(job.data);
  const wait = async (next: typeof data) => {
    await job.updateData(next);
    await job.moveToDelayed(Date.now() + pollWait(deps.settings, next.polls), token);
    throw new DelayedError();
  };
  if (!data.reference) {
    const reference = await deps.client.createInactiveReport(data.account, deps.settings.inactiveDays * 24);
    // The reference is kept before the first wait: a retry reads this report rather than asking again.
    return wait({ ...data, reference });
  }
  const report = await deps.client.getInactiveReport(data.account, data.reference);
  if (report.state === 'ready') {
    const outcome = await deps.publisher.publish(data.account, report);
    deps.logger.info({ account: data.account, identities: report.identities.length, outcome, reads: data.polls + 1 }, 'inactive-identities digest');
    return;
  }
  const polls = data.polls + 1;
  if (polls >= SWEEP_MAX_POLLS) {
    const reason = `IAM's report was not ready after ${polls} reads`;
    await deps.slack.chat.postMessage({ channel: deps.channel, ...sweepFailed(data.account, reason) });
    throw new UnrecoverableError(reason);
  }
  // Unknown: a newer report replaced ours (IAM keeps one per account); it is asked for again, within the same bound.
  if (report.state === 'unknown') return wait({ ...data, reference: undefined, polls });
  return wait({ ...data, polls });
}

/** Disable or Enable by an approver (checked at the click): planned once, applied, read back, recorded, told in the digest's thread. */
async function processSweepAction(job: Job, deps: SweepDeps): Promise<void> {
  const data = sweepActionJobDataSchema.parse(job.data);
  const where = { channel: data.channel, thread_ts: data.threadTs };
  try {
    // The button names the account: one not configured is not the bot's to change.
    if (!deps.accounts.includes(data.account)) throw new PermanentError(`account ${data.account} is not in IBMCLOUD_ACCOUNT_IDS`);
    let planned = data.keys && data.name !== undefined ? { keys: data.keys, name: data.name } : undefined;
    if (!planned) {
      planned = await deps.actions.plan(data);
      await job.updateData({ ...data, ...planned });
    }
    const action = { ...data, ...planned };
    if (!data.recorded) {
      await deps.actions.apply(action, `offboard-sweep-${job.id ?? randomUUID()}`);
      await deps.actions.record(action);
      await job.updateData({ ...action, recorded: true });
    }
    const reply = sweepActionReply({ ...action, action: data.action === 'disable' ? 'disabled' : 'enabled', keys: planned.keys.length });
    await deps.slack.chat.postMessage({ ...where, ...reply });
  } catch (err) {
    if (!(err instanceof PermanentError)) throw err;
    await deps.slack.chat.postMessage({ ...where, ...sweepActionFailed({ action: data.action, kind: data.kind, id: data.id, reason: err.message }) });
    throw new UnrecoverableError(err.message);
  }
}
