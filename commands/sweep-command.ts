import type { SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { CommandDeps } from './deps.js';
import { readViewer } from './viewer.js';

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
  const viewer = await readViewer(deps, userId);
  if (!viewer.isApprover) {
    deps.logger.info({ user: userId }, 'refused a sweep asked for by someone who is not an approver');
    return void (await reply(`Only approvers (${deps.directory.describeApprovers()}) can run the inactive-identities sweep, so nothing was started.`));
  }
  await deps.sweeps.runNow(userId, deps.now().getTime());
  deps.logger.info({ user: userId }, 'inactive-identities sweep asked for');
  await reply(
    `The inactive-identities sweep has started: IBM Cloud prepares a report for each account, and a digest of each is posted in <#${deps.approvalChannel}> when it is ready. An unchanged digest is not posted again.`,
  );
}
