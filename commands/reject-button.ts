import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { rejectModal } from '../src/slack/blocks/reject-modal.js';
import { decisionNotice } from './decision-notice.js';
import type { CommandDeps } from './deps.js';

/** Reject: asks for a reason in a modal, after the same checks as Approve. */
export function rejectButton(deps: CommandDeps) {
  return async ({ ack, body, action, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const request = await deps.store.mustGet(action.value ?? '');
    const refused = await deps.lifecycle.mayDecide(request, body.user.id, 'reject');
    const notice = refused
      ? decisionNotice({ kind: 'refused', reason: refused }, deps.directory.describeApprovers())
      : request.status !== 'pending'
        ? decisionNotice({ kind: 'already_decided', request }, deps.directory.describeApprovers())
        : undefined;
    if (notice) {
      if (body.channel?.id) await client.chat.postEphemeral({ channel: body.channel.id, user: body.user.id, text: notice });
      return;
    }
    await client.views.open({ trigger_id: body.trigger_id, view: rejectModal(request.id, request.subject.name) });
  };
}
