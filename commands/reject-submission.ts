import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { rejectingView, rejectOutcomeView } from '../src/slack/blocks/reject-modal.js';
import { FIELDS } from '../src/slack/blocks/ids.js';
import { readRejectMetadata, viewSubmissionPayload } from '../src/slack/payloads.js';
import { readRejectReason } from '../src/slack/request-form.js';
import { decisionNotice } from './decision-notice.js';
import type { CommandDeps } from './deps.js';

const DAMAGED = 'This form arrived in a shape I cannot read, so nothing was rejected. Close it and click Reject again.';
const errors = (text: string) => ({ response_action: 'errors' as const, errors: { [FIELDS.rejectReason]: text } });

/**
 * The reject modal's submit. The reason and the request are checked before answering (Redis
 * only); the decision, which asks Slack whether the person is an approver, runs after: the modal
 * shows "Rejecting…" at once and is then updated with the outcome.
 */
export function rejectSubmission(deps: CommandDeps) {
  return async ({ ack, body, client }: SlackViewMiddlewareArgs & AllMiddlewareArgs) => {
    const parsed = viewSubmissionPayload.safeParse(body);
    const requestId = parsed.success ? readRejectMetadata(parsed.data.view.private_metadata) : undefined;
    if (!parsed.success || !requestId) {
      deps.logger.warn({ user: parsed.data?.user.id }, 'refused a malformed reject submission');
      return ack(errors(DAMAGED));
    }
    const { user, view } = parsed.data;
    const reason = readRejectReason(view.state?.values);
    if (!reason.ok) return ack(errors(reason.error));
    // The metadata only names the request: it is read again, and the decision re-checks who may make it.
    const request = await deps.store.get(requestId);
    if (!request) return ack(errors(`There is no offboarding request ${requestId}; nothing was rejected.`));
    if (request.status !== 'pending') return ack(errors(decisionNotice({ kind: 'already_decided', request }, deps.directory.describeApprovers())));

    await ack({ response_action: 'update', view: rejectingView(requestId) });
    const decision = await deps.lifecycle.reject(requestId, user.id, reason.reason);
    const text =
      decision.kind === 'decided'
        ? `:no_entry: Request *${requestId}* is rejected. The requester has been told why.`
        : decisionNotice(decision, deps.directory.describeApprovers());
    await client.views.update({ view_id: view.id, view: rejectOutcomeView(text) });
    deps.logger.info({ requestId, by: user.id, outcome: decision.kind }, 'reject submitted');
  };
}
