import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { RetryOutcome } from '../src/requests/request-lifecycle.js';
import { RequestNotFoundError } from '../src/requests/request-store.js';
import { escapeText } from '../src/slack/blocks/block-kit.js';
import { clickContext, stepButton } from '../src/slack/payloads.js';
import { tellClicker, unknownRequest } from './click-notice.js';
import { decisionNotice } from './decision-notice.js';
import type { CommandDeps } from './deps.js';

const DAMAGED_BUTTON = 'This button does not name a step of a request I know, so nothing was done. Use the buttons under the request’s checklist.';

/** Retry on one failed step of the checklist: for approvers, that step alone runs again as a new round. */
export function retryStepButton(deps: CommandDeps) {
  return async ({ ack, body, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const click = clickContext.safeParse(body);
    if (!click.success) return deps.logger.warn('ignored a step retry that names no valid user');
    const button = stepButton.safeParse(body);
    if (!button.success) return tellClicker(client, click.data, DAMAGED_BUTTON);
    const [requestId, stepId] = button.data.actions[0].value.split('|') as [string, string];
    let outcome: RetryOutcome;
    try {
      outcome = await deps.lifecycle.retryStep(requestId, click.data.user.id, stepId);
    } catch (err) {
      if (err instanceof RequestNotFoundError) return tellClicker(client, click.data, unknownRequest(requestId));
      throw err;
    }
    deps.logger.info({ requestId, stepId, user: click.data.user.id, outcome: outcome.kind }, 'step retry clicked');
    if (outcome.kind === 'started') return;
    await tellClicker(
      client,
      click.data,
      outcome.kind === 'refused' ? decisionNotice(outcome, deps.directory.describeApprovers()) : escapeText(outcome.reason),
    );
  };
}
