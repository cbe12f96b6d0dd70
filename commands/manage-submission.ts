import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import type { ManageOutcome } from '../src/requests/request-lifecycle.js';
import { RequestNotFoundError } from '../src/requests/request-store.js';
import { escapeText } from '../src/slack/blocks/block-kit.js';
import { FIELDS } from '../src/slack/blocks/ids.js';
import { managingView } from '../src/slack/blocks/manage-modals.js';
import { readRequestMetadata, viewSubmissionPayload } from '../src/slack/payloads.js';
import { readCancelReason, readCancelScope, readNewTime } from '../src/slack/request-form.js';
import type { CommandDeps } from './deps.js';

const TITLES = { cancel: 'Cancel offboarding', reschedule: 'Reschedule offboarding' } as const;

/**
 * The cancel and reschedule forms' submit: the answer is checked from the submitted value alone
 * before answering; the modal then shows the work in progress, and the lifecycle, which reads the
 * request again and re-checks who may and whether its state allows it, runs after and shows the outcome.
 */
export function manageSubmission(deps: CommandDeps, action: 'cancel' | 'reschedule') {
  const field = action === 'cancel' ? FIELDS.cancelReason : FIELDS.effectiveAt;
  const errors = (text: string) => ({ response_action: 'errors' as const, errors: { [field]: text } });
  return async ({ ack, body, client }: SlackViewMiddlewareArgs & AllMiddlewareArgs) => {
    const parsed = viewSubmissionPayload.safeParse(body);
    const requestId = parsed.success ? readRequestMetadata(parsed.data.view.private_metadata) : undefined;
    if (!parsed.success || !requestId) {
      deps.logger.warn({ user: parsed.data?.user.id }, `refused a malformed ${action} submission`);
      return ack(errors('This form arrived in a shape I cannot read, so nothing was changed. Close it and click the button again.'));
    }
    const { user, view } = parsed.data;
    const answer = action === 'cancel' ? readCancelReason(view.state?.values) : readNewTime(view.state?.values, deps.now());
    if (!answer.ok) return ack(errors(answer.error));

    await ack({ response_action: 'update', view: managingView(TITLES[action], `:hourglass_flowing_sand: Working on request *${requestId}*…`) });
    let text: string;
    try {
      if (action === 'cancel' && 'reason' in answer && readCancelScope(view.state?.values) === 'all') {
        const outcome = await deps.lifecycle.cancelBatch(requestId, user.id, answer.reason);
        deps.logger.info({ requestId, by: user.id, outcome: outcome.kind }, 'bulk cancel submitted');
        text = outcome.kind === 'refused' ? `:no_entry: ${escapeText(outcome.reason)}` : batchCancelled(outcome.cancelled, outcome.kept);
        await client.views.update({ view_id: view.id, view: managingView(TITLES[action], text) });
        return;
      }
      const outcome: ManageOutcome =
        'reason' in answer
          ? await deps.lifecycle.cancel(requestId, user.id, answer.reason)
          : await deps.lifecycle.reschedule(requestId, user.id, answer.effectiveAt);
      deps.logger.info({ requestId, by: user.id, outcome: outcome.kind }, `${action} submitted`);
      text =
        outcome.kind !== 'done'
          ? `:no_entry: ${escapeText(outcome.reason)}`
          : action === 'cancel'
            ? `:no_entry_sign: Request *${requestId}* is cancelled; nothing will be removed.`
            : `:calendar: Request *${requestId}* is rescheduled; the approvers are asked again.`;
    } catch (err) {
      if (!(err instanceof RequestNotFoundError)) throw err;
      text = `There is no offboarding request ${requestId}; nothing was changed.`;
    }
    await client.views.update({ view_id: view.id, view: managingView(TITLES[action], text) });
  };
}

/** How many ids a bulk cancellation's outcome names before it counts the rest. */
const NAMED = 10;

function batchCancelled(cancelled: string[], kept: string[]): string {
  const named = (ids: string[]) => (ids.length > NAMED ? `${ids.slice(0, NAMED).join(', ')} and ${ids.length - NAMED} more` : ids.join(', '));
  const done = `:no_entry_sign: ${cancelled.length} request${cancelled.length === 1 ? '' : 's'} of this bulk request ${cancelled.length === 1 ? 'is' : 'are'} cancelled; nothing will be removed.`;
  return kept.length ? `${done} Not cancelled, because their run has started or they were already decided: ${named(kept)}.` : done;
}
