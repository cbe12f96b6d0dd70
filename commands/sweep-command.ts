import type { SlackCommandMiddlewareArgs } from '@slack/bolt';
import { beingOffboardedReason } from '../src/requests/approval-policy.js';
import type { CommandDeps } from './deps.js';
import { readViewer } from './viewer.js';

/**
 * Why `userId` may not use the sweep's powers (run it, disable or enable), or undefined: only
 * approvers, read from Slack now, and none about whom an offboarding is open.
 */
export async function sweepRefusal(deps: CommandDeps, userId: string, what: string): Promise<string | undefined> {
  const viewer = await readViewer(deps, userId);
  if (!viewer.isApprover) return `Only approvers (${deps.directory.describeApprovers()}) can ${what}, so nothing was done.`;
  return beingOffboardedReason(await deps.store.openAbout(userId));
}

/** `/offboard sweep`: the inactive-identities sweep at once, for approvers; anyone else is told why not, and nothing is queued. */
export async function sweepCommand(
  deps: CommandDeps,
  userId: string,
  ack: SlackCommandMiddlewareArgs['ack'],
  respond: SlackCommandMiddlewareArgs['respond'],
): Promise<void> {
  await ack();
  const reply = (text: string) => respond({ response_type: 'ephemeral', text });
  if (!deps.sweeps) return void (await reply("The inactive-identities sweep reads IBM Cloud's activity report, and IBM Cloud is not switched on here."));
  const refused = await sweepRefusal(deps, userId, 'run the inactive-identities sweep');
  if (refused) {
    deps.logger.info({ user: userId }, 'refused a sweep asked for by someone who may not');
    return void (await reply(refused));
  }
  await deps.sweeps.runNow(userId, deps.now().getTime());
  deps.logger.info({ user: userId }, 'inactive-identities sweep asked for');
  await reply(
    `The inactive-identities sweep has started: IBM Cloud prepares a report for each account, and a digest of each is posted in <#${deps.approvalChannel}> when it is ready. An unchanged digest is not posted again.`,
  );
}
