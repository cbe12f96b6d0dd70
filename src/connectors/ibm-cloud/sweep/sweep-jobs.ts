import { randomUUID } from 'node:crypto';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { PermanentError } from '../../step-errors.js';
import type { FeatureHost, FeatureJob } from '../../system-feature.js';
import type { IbmCloudClient } from '../ibm-cloud-client.js';
import { SweepActions } from './sweep-actions.js';
import { sweepActionFailed, sweepActionReply, sweepFailed } from './sweep-digest.js';
import { SWEEP_JOBS, sweepAccountJobDataSchema, sweepActionJobDataSchema, sweepJobDataSchema, sweepKey } from './sweep-ids.js';
import { SweepMemory } from './sweep-memory.js';
import { SweepPublisher } from './sweep-publisher.js';
import { pollWait, SWEEP_MAX_POLLS, type SweepSettings } from './sweep-settings.js';
import { SweepTrail } from './sweep-trail.js';

type Run = Parameters<FeatureJob<IbmCloudClient>>[1];

/** The sweep's jobs, for the accounts configured (IBMCLOUD_ACCOUNT_IDS) and with its settings. */
export function sweepJobs(accounts: readonly string[], settings: SweepSettings): Record<string, FeatureJob<IbmCloudClient>> {
  return {
    [SWEEP_JOBS.run]: (job, { host }) => processSweep(job, accounts, host),
    [SWEEP_JOBS.account]: (job, run) => processSweepAccount(job, settings, run),
    [SWEEP_JOBS.action]: (job, run) => processSweepAction(job, accounts, run),
  };
}

/** A run: one job per configured account. An account whose sweep is still running is not swept twice (same job id). */
async function processSweep(job: Job, accounts: readonly string[], host: FeatureHost): Promise<void> {
  const { actor } = sweepJobDataSchema.parse(job.data);
  for (const account of accounts) {
    await host.enqueue(SWEEP_JOBS.account, { account, actor, polls: 0 }, { jobId: `sweep-account.${account}` });
  }
  host.logger.info({ actor, accounts: accounts.length }, 'inactive-identities sweep started');
}

/**
 * One account: ask IAM for the report, then read it after a delay that doubles each time it is
 * still generating (a delayed job each time, never a wait in the worker), up to SWEEP_MAX_POLLS
 * reads; post the digest once it is ready. A report another caller replaced (404) is asked again.
 */
async function processSweepAccount(job: Job, settings: SweepSettings, run: Run): Promise<void> {
  try {
    await sweepAccount(job, settings, run);
  } catch (err) {
    if (err instanceof DelayedError || err instanceof UnrecoverableError) throw err;
    // A refusal (403, a bad setting) will not pass on retry; anything else is retried until the last attempt.
    const last = err instanceof PermanentError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (!last) throw err;
    const { account } = sweepAccountJobDataSchema.parse(job.data);
    await run.host.slack.chat.postMessage({ channel: run.host.channel, ...sweepFailed(account, (err as Error).message) });
    throw new UnrecoverableError((err as Error).message);
  }
}

async function sweepAccount(job: Job, settings: SweepSettings, { client, host, token }: Run): Promise<void> {
  const data = sweepAccountJobDataSchema.parse(job.data);
  const wait = async (next: typeof data) => {
    await job.updateData(next);
    await job.moveToDelayed(Date.now() + pollWait(settings, next.polls), token);
    throw new DelayedError();
  };
  if (!data.reference) {
    const reference = await client.createInactiveReport(data.account, settings.inactiveDays * 24);
    // The reference is kept before the first wait: a retry reads this report rather than asking again.
    return wait({ ...data, reference });
  }
  const report = await client.getInactiveReport(data.account, data.reference);
  if (report.state === 'ready') {
    const key = sweepKey(host.key);
    const trail = new SweepTrail(host.redis, key);
    const publisher = new SweepPublisher({ host, key, memory: new SweepMemory(host.redis, key), trail, inactiveDays: settings.inactiveDays });
    const outcome = await publisher.publish(data.account, report);
    host.logger.info({ account: data.account, identities: report.identities.length, outcome, reads: data.polls + 1 }, 'inactive-identities digest');
    return;
  }
  const polls = data.polls + 1;
  if (polls >= SWEEP_MAX_POLLS) {
    const reason = `IAM's report was not ready after ${polls} reads`;
    await host.slack.chat.postMessage({ channel: host.channel, ...sweepFailed(data.account, reason) });
    throw new UnrecoverableError(reason);
  }
  // Unknown: a newer report replaced ours (IAM keeps one per account); it is asked for again, within the same bound.
  if (report.state === 'unknown') return wait({ ...data, reference: undefined, polls });
  return wait({ ...data, polls });
}

/** Disable or Enable by an approver (checked at the click): planned once, applied, read back, recorded, told in the digest's thread. */
async function processSweepAction(job: Job, accounts: readonly string[], { client, host }: Run): Promise<void> {
  const data = sweepActionJobDataSchema.parse(job.data);
  const where = { channel: data.channel, thread_ts: data.threadTs };
  const actions = new SweepActions(client, new SweepTrail(host.redis, sweepKey(host.key)));
  try {
    // The button names the account: one not configured is not the bot's to change.
    if (!accounts.includes(data.account)) throw new PermanentError(`account ${data.account} is not in IBMCLOUD_ACCOUNT_IDS`);
    let planned = data.keys && data.name !== undefined ? { keys: data.keys, name: data.name } : undefined;
    if (!planned) {
      planned = await actions.plan(data);
      await job.updateData({ ...data, ...planned });
    }
    const action = { ...data, ...planned };
    if (!data.recorded) {
      await actions.apply(action, `offboard-sweep-${job.id ?? randomUUID()}`);
      await actions.record(action);
      await job.updateData({ ...action, recorded: true });
    }
    const reply = sweepActionReply({ ...action, action: data.action === 'disable' ? 'disabled' : 'enabled', keys: planned.keys.length });
    await host.slack.chat.postMessage({ ...where, ...reply });
  } catch (err) {
    if (!(err instanceof PermanentError)) throw err;
    await host.slack.chat.postMessage({ ...where, ...sweepActionFailed({ action: data.action, kind: data.kind, id: data.id, reason: err.message }) });
    throw new UnrecoverableError(err.message);
  }
}
