import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { decisionNotice } from './decision-notice.js';
import type { CommandDeps } from './deps.js';

/** Approve: authorised and decided on the server at click time; repeated or concurrent clicks start one run. */
export function approveButton(deps: CommandDeps) {
  return async ({ ack, body, action, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const decision = await deps.lifecycle.approve(action.value ?? '', body.user.id);
    if (decision.kind === 'decided') {
      deps.logger.info({ requestId: decision.request.id, approver: body.user.id }, 'offboarding approved');
      return;
    }
    deps.logger.info({ requestId: action.value, user: body.user.id, outcome: decision.kind }, 'approve click did not decide');
    if (body.channel?.id) await client.chat.postEphemeral({ channel: body.channel.id, user: body.user.id, text: decisionNotice(decision, deps.directory.describeApprovers()) });
  };
}
