import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { RetryOutcome } from '../src/requests/request-lifecycle.js';
import { RequestNotFoundError } from '../src/requests/request-store.js';
import { readRequestClick, tellClicker, unknownRequest } from './click-notice.js';
import { decisionNotice } from './decision-notice.js';
import type { CommandDeps } from './deps.js';

/**
 * A checklist button that starts a further round (Retry failed steps, Reinstate, End grace period
 * now): approvers only, checked at click time; concurrent clicks start one round, and every other
 * click is told privately why nothing happened.
 */
export function roundButton(deps: CommandDeps, name: string, start: (requestId: string, userId: string) => Promise<RetryOutcome>) {
  return async ({ ack, body, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const read = await readRequestClick(body, client, deps.logger);
    if (!read) return;
    const { click, requestId } = read;
    let outcome;
    try {
      outcome = await start(requestId, click.user.id);
    } catch (err) {
      if (err instanceof RequestNotFoundError) return tellClicker(client, click, unknownRequest(requestId));
      throw err;
    }
    deps.logger.info({ requestId, user: click.user.id, outcome: outcome.kind }, `${name} clicked`);
    if (outcome.kind === 'started') return;
    await tellClicker(client, click, outcome.kind === 'refused' ? decisionNotice(outcome, deps.directory.describeApprovers()) : outcome.reason);
  };
}
