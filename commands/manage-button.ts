import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { escapeText } from '../src/slack/blocks/block-kit.js';
import { cancelModal, rescheduleModal } from '../src/slack/blocks/manage-modals.js';
import { readRequestClick, tellClicker, unknownRequest } from './click-notice.js';
import type { CommandDeps } from './deps.js';

/**
 * Cancel request and Reschedule on the approval message: who clicked and the request's state are
 * checked first (a refusal says why, privately), then the form asking why or when opens.
 */
export function manageButton(deps: CommandDeps, action: 'cancel' | 'reschedule') {
  return async ({ ack, body, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const read = await readRequestClick(body, client, deps.logger);
    if (!read) return;
    const { click, requestId } = read;
    const request = await deps.store.get(requestId);
    if (!request) return tellClicker(client, click, unknownRequest(requestId));
    const why = await deps.lifecycle.whyNotManage(request, click.user.id, action);
    deps.logger.info({ requestId, user: click.user.id, refused: Boolean(why) }, `${action} clicked`);
    if (why) return tellClicker(client, click, `:no_entry: ${escapeText(why)}`);
    if (!click.trigger_id)
      return tellClicker(
        client,
        click,
        `Slack sent this click without a way to open the form; click ${action === 'cancel' ? 'Cancel request' : 'Reschedule'} again.`,
      );
    const view =
      action === 'cancel'
        ? cancelModal(request.id, request.subject.name, request.batch?.size)
        : rescheduleModal(request.id, request.subject.name, request.effectiveAt);
    await client.views.open({ trigger_id: click.trigger_id, view });
  };
}
