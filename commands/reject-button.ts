import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { rejectModal } from '../src/slack/blocks/reject-modal.js';
import { readRequestClick, tellClicker, unknownRequest } from './click-notice.js';
import { decisionNotice } from './decision-notice.js';
import type { CommandDeps } from './deps.js';

/** Reject: asks for a reason in a modal, after the same checks as Approve. */
export function rejectButton(deps: CommandDeps) {
  return async ({ ack, body, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const read = await readRequestClick(body, client, deps.logger);
    if (!read) return;
    const { click, requestId } = read;
    const request = await deps.store.get(requestId);
    if (!request) return tellClicker(client, click, unknownRequest(requestId));
    const refused = await deps.lifecycle.mayDecide(request, click.user.id, 'reject');
    const notice = refused
      ? decisionNotice({ kind: 'refused', reason: refused }, deps.directory.describeApprovers())
      : request.status !== 'pending'
        ? decisionNotice({ kind: 'already_decided', request }, deps.directory.describeApprovers())
        : undefined;
    if (notice) return tellClicker(client, click, notice);
    if (!click.trigger_id) return tellClicker(client, click, 'Slack sent this click without a way to open the reason form; click Reject again.');
    await client.views.open({ trigger_id: click.trigger_id, view: rejectModal(request.id, request.subject.name) });
  };
}
