import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { RequestNotFoundError } from '../src/requests/request-store.js';
import { readRequestClick, tellClicker, unknownRequest } from './click-notice.js';
import type { CommandDeps } from './deps.js';

/**
 * A button on a request's message: acknowledged first, then `act` is authorised and done on the
 * server at click time (the lifecycle or the evidence desk decides; concurrent clicks act once),
 * and whatever `reply` says back is told privately to the person who clicked.
 */
export function requestButton<T extends { kind: string }>(
  deps: CommandDeps,
  name: string,
  act: (requestId: string, userId: string) => Promise<T>,
  reply: (outcome: T) => string | undefined,
) {
  return async ({ ack, body, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const read = await readRequestClick(body, client, deps.logger);
    if (!read) return;
    const { click, requestId } = read;
    let outcome: T;
    try {
      outcome = await act(requestId, click.user.id);
    } catch (err) {
      if (err instanceof RequestNotFoundError) return tellClicker(client, click, unknownRequest(requestId));
      throw err;
    }
    deps.logger.info({ requestId, user: click.user.id, outcome: outcome.kind }, `${name} clicked`);
    const text = reply(outcome);
    if (text) await tellClicker(client, click, text);
  };
}
