import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { FIELDS, inputAction } from '../src/slack/blocks/ids.js';
import { decisionNotice } from './decision-notice.js';
import type { CommandDeps } from './deps.js';

const metadata = z.object({ requestId: z.string() });

/** The reject modal's submit: the reason is required; the decision is checked again now. */
export function rejectSubmission(deps: CommandDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs & AllMiddlewareArgs) => {
    const { requestId } = metadata.parse(JSON.parse(view.private_metadata));
    const reason = view.state.values[FIELDS.rejectReason]?.[inputAction(FIELDS.rejectReason)]?.value?.trim() ?? '';
    if (!reason) return ack({ response_action: 'errors', errors: { [FIELDS.rejectReason]: 'Say why, so the requester knows what to fix.' } });
    const decision = await deps.lifecycle.reject(requestId, body.user.id, reason);
    if (decision.kind !== 'decided') return ack({ response_action: 'errors', errors: { [FIELDS.rejectReason]: decisionNotice(decision, deps.directory.describeApprovers()) } });
    await ack();
    deps.logger.info({ requestId, by: body.user.id }, 'offboarding rejected');
  };
}
