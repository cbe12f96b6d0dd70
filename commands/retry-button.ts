import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { RequestNotFoundError } from '../src/requests/request-store.js';
import { readRequestClick, tellClicker, unknownRequest } from './click-notice.js';
import { decisionNotice } from './decision-notice.js';
import type { CommandDeps } from './deps.js';

/** Retry failed steps: approvers only, checked at click time; concurrent clicks start one round. */
export function retryButton(deps: CommandDeps) {
  return async ({ ack, body, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const read = await readRequestClick(body, client, deps.logger);
    if (!read) return;
    const { click, requestId } = read;
    let outcome;
    try {
      outcome = await deps.lifecycle.retryFailed(requestId, click.user.id);
    } catch (err) {
      if (err instanceof RequestNotFoundError) return tellClicker(client, click, unknownRequest(requestId));
      throw err;
    }
    deps.logger.info({ requestId, user: click.user.id, outcome: outcome.kind }, 'retry clicked');
    if (outcome.kind === 'started') return;
    await tellClicker(client, click, outcome.kind === 'refused' ? decisionNotice(outcome, deps.directory.describeApprovers()) : outcome.reason);
  };
}
