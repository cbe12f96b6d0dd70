import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { RequestNotFoundError } from '../src/requests/request-store.js';
import { rejectingView, rejectOutcomeView } from '../src/slack/blocks/reject-modal.js';
import { FIELDS } from '../src/slack/blocks/ids.js';
import { readRequestMetadata, viewSubmissionPayload } from '../src/slack/payloads.js';
import { readRejectReason } from '../src/slack/request-form.js';
import { decisionNotice } from './decision-notice.js';
import type { CommandDeps } from './deps.js';

const DAMAGED = 'This form arrived in a shape I cannot read, so nothing was rejected. Close it and click Reject again.';
const errors = (text: string) => ({ response_action: 'errors' as const, errors: { [FIELDS.rejectReason]: text } });

/**
 * The reject modal's submit. The reason is checked before answering, from the submitted value
 * alone; the modal then shows "Rejecting…" at once, and the decision (which reads the request again
 * and asks Slack whether the person is an approver) runs after and updates it with the outcome.
 */
export function rejectSubmission(deps: CommandDeps) {
  return async ({ ack, body, client }: SlackViewMiddlewareArgs & AllMiddlewareArgs) => {
    const parsed = viewSubmissionPayload.safeParse(body);
    const requestId = parsed.success ? readRequestMetadata(parsed.data.view.private_metadata) : undefined;
    if (!parsed.success || !requestId) {
      deps.logger.warn({ user: parsed.data?.user.id }, 'refused a malformed reject submission');
      return ack(errors(DAMAGED));
    }
    const { user, view } = parsed.data;
    const reason = readRejectReason(view.state?.values);
    if (!reason.ok) return ack(errors(reason.error));

    await ack({ response_action: 'update', view: rejectingView(requestId) });
    // The metadata only names the request: the decision reads it again and re-checks who may make it.
    const text = await decide(deps, requestId, user.id, reason.reason);
    await client.views.update({ view_id: view.id, view: rejectOutcomeView(text) });
  };
}

async function decide(deps: CommandDeps, requestId: string, userId: string, reason: string): Promise<string> {
  try {
    const decision = await deps.lifecycle.reject(requestId, userId, reason);
    deps.logger.info({ requestId, by: userId, outcome: decision.kind }, 'reject submitted');
    return decision.kind === 'decided'
      ? `:no_entry: Request *${requestId}* is rejected. The requester has been told why.`
      : decisionNotice(decision, deps.directory.describeApprovers());
  } catch (err) {
    if (!(err instanceof RequestNotFoundError)) throw err;
    return `There is no offboarding request ${requestId}; nothing was rejected.`;
  }
}
