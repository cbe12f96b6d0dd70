import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { RequestNotFoundError } from '../src/requests/request-store.js';
import { readRequestClick, tellClicker, unknownRequest } from './click-notice.js';
import type { CommandDeps } from './deps.js';

/** Generate report: queues the making of a finished run's missing evidence pack; concurrent clicks queue one. */
export function generateReportButton(deps: CommandDeps) {
  return async ({ ack, body, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const read = await readRequestClick(body, client, deps.logger);
    if (!read) return;
    const { click, requestId } = read;
    let answer;
    try {
      answer = await deps.evidence.generate(requestId, click.user.id);
    } catch (err) {
      if (err instanceof RequestNotFoundError) return tellClicker(client, click, unknownRequest(requestId));
      throw err;
    }
    deps.logger.info({ requestId, user: click.user.id, outcome: answer.kind }, 'generate report clicked');
    await tellClicker(client, click, answer.kind === 'refused' ? `:no_entry: ${answer.reason}` : answer.text);
  };
}
