import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { RequestNotFoundError } from '../src/requests/request-store.js';
import { readRequestClick, tellClicker, unknownRequest } from './click-notice.js';
import type { CommandDeps } from './deps.js';

/** Download evidence: approvers and compliance get the stored pack privately; every answer is recorded in the trail. */
export function downloadEvidenceButton(deps: CommandDeps) {
  return async ({ ack, body, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const read = await readRequestClick(body, client, deps.logger);
    if (!read) return;
    const { click, requestId } = read;
    let answer;
    try {
      answer = await deps.evidence.download(requestId, click.user.id, 'button');
    } catch (err) {
      if (err instanceof RequestNotFoundError) return tellClicker(client, click, unknownRequest(requestId));
      throw err;
    }
    deps.logger.info({ requestId, user: click.user.id, outcome: answer.kind }, 'evidence download clicked');
    await tellClicker(client, click, answer.kind === 'refused' ? `:no_entry: ${answer.reason}` : answer.text);
  };
}
