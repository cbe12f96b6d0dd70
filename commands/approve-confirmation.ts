import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { RequestNotFoundError } from '../src/requests/request-store.js';
import { approveConfirmModal, approveOutcomeView, approvingView } from '../src/slack/blocks/approve-confirm-modal.js';
import { FIELDS } from '../src/slack/blocks/ids.js';
import { readRequestMetadata, viewSubmissionPayload } from '../src/slack/payloads.js';
import { readConfirmation } from '../src/slack/request-form.js';
import { decisionNotice } from './decision-notice.js';
import type { CommandDeps } from './deps.js';

const DAMAGED = 'This form arrived in a shape I cannot read, so nothing was approved. Close it and click Approve again.';
const errors = (text: string) => ({ response_action: 'errors' as const, errors: { [FIELDS.confirmation]: text } });

/**
 * The approval confirmation's submit. Something must be typed (checked from the submitted value
 * alone, before answering); the modal then shows "Approving…", and the approval, which checks what
 * was typed against the stored request, runs after and shows its outcome, or asks again when what
 * was typed names someone else.
 */
export function approveConfirmation(deps: CommandDeps) {
  return async ({ ack, body, client }: SlackViewMiddlewareArgs & AllMiddlewareArgs) => {
    const parsed = viewSubmissionPayload.safeParse(body);
    const requestId = parsed.success ? readRequestMetadata(parsed.data.view.private_metadata) : undefined;
    if (!parsed.success || !requestId) {
      deps.logger.warn({ user: parsed.data?.user.id }, 'refused a malformed approval confirmation');
      return ack(errors(DAMAGED));
    }
    const { user, view } = parsed.data;
    const typed = readConfirmation(view.state?.values);
    if (!typed.ok) return ack(errors(typed.error));

    await ack({ response_action: 'update', view: approvingView(requestId) });
    let next: ReturnType<typeof approveOutcomeView> | ReturnType<typeof approveConfirmModal>;
    try {
      const decision = await deps.lifecycle.approve(requestId, user.id, typed.typed);
      deps.logger.info({ requestId, by: user.id, outcome: decision.kind }, 'approval confirmed');
      next =
        decision.kind === 'decided'
          ? approveOutcomeView(`:white_check_mark: Request *${requestId}* is approved; its progress is in the request's thread.`)
          : decision.kind === 'confirm'
            ? approveConfirmModal(requestId, decision.request.subject.name, true, decision.batch)
            : approveOutcomeView(decisionNotice(decision, deps.directory.describeApprovers()));
    } catch (err) {
      if (!(err instanceof RequestNotFoundError)) throw err;
      next = approveOutcomeView(`There is no offboarding request ${requestId}; nothing was approved.`);
    }
    await client.views.update({ view_id: view.id, view: next });
  };
}
