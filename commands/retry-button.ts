import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { decisionNotice } from './decision-notice.js';
import type { CommandDeps } from './deps.js';

/** Retry failed steps: approvers only, checked at click time; concurrent clicks start one round. */
export function retryButton(deps: CommandDeps) {
  return async ({ ack, body, action, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const outcome = await deps.lifecycle.retryFailed(action.value ?? '', body.user.id);
    deps.logger.info({ requestId: action.value, user: body.user.id, outcome: outcome.kind }, 'retry clicked');
    if (outcome.kind === 'started' || !body.channel?.id) return;
    const text = outcome.kind === 'refused' ? decisionNotice(outcome, deps.directory.describeApprovers()) : outcome.reason;
    await client.chat.postEphemeral({ channel: body.channel.id, user: body.user.id, text });
  };
}
