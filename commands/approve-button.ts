import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Decision } from '../src/requests/request-lifecycle.js';
import { RequestNotFoundError } from '../src/requests/request-store.js';
import { approveConfirmModal } from '../src/slack/blocks/approve-confirm-modal.js';
import { readRequestClick, tellClicker, unknownRequest } from './click-notice.js';
import { decisionNotice } from './decision-notice.js';
import type { CommandDeps } from './deps.js';

/**
 * Approve: decided on the server at click time under the request's rule (repeated or concurrent
 * clicks start one run). When the rule wants the person's email or name typed first, the form that
 * asks for it opens instead, and nothing is counted until it is submitted.
 */
export function approveButton(deps: CommandDeps) {
  return async ({ ack, body, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const read = await readRequestClick(body, client, deps.logger);
    if (!read) return;
    const { click, requestId } = read;
    let decision: Decision;
    try {
      decision = await deps.lifecycle.approve(requestId, click.user.id);
    } catch (err) {
      if (err instanceof RequestNotFoundError) return tellClicker(client, click, unknownRequest(requestId));
      throw err;
    }
    deps.logger.info({ requestId, user: click.user.id, outcome: decision.kind }, 'approve clicked');
    if (decision.kind === 'decided') return;
    if (decision.kind !== 'confirm') return tellClicker(client, click, decisionNotice(decision, deps.directory.describeApprovers()));
    if (!click.trigger_id) return tellClicker(client, click, 'Slack sent this click without a way to open the confirmation form; click Approve again.');
    await client.views.open({ trigger_id: click.trigger_id, view: approveConfirmModal(requestId, decision.request.subject.name, false, decision.batch) });
  };
}
