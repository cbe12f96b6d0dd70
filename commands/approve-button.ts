import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { RequestNotFoundError } from '../src/requests/request-store.js';
import { readRequestClick, tellClicker, unknownRequest } from './click-notice.js';
import { decisionNotice } from './decision-notice.js';
import type { CommandDeps } from './deps.js';

/** Approve: authorised and decided on the server at click time; repeated or concurrent clicks start one run. */
export function approveButton(deps: CommandDeps) {
  return async ({ ack, body, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const read = await readRequestClick(body, client, deps.logger);
    if (!read) return;
    const { click, requestId } = read;
    let decision;
    try {
      decision = await deps.lifecycle.approve(requestId, click.user.id);
    } catch (err) {
      if (err instanceof RequestNotFoundError) return tellClicker(client, click, unknownRequest(requestId));
      throw err;
    }
    if (decision.kind === 'decided') {
      deps.logger.info({ requestId, approver: click.user.id }, 'offboarding approved');
      return;
    }
    deps.logger.info({ requestId, user: click.user.id, outcome: decision.kind }, 'approve click did not decide');
    await tellClicker(client, click, decisionNotice(decision, deps.directory.describeApprovers()));
  };
}
