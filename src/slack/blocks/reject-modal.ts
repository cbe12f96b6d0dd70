import { TEXT_LIMITS } from '../../requests/request.js';
import { escapeText, input, plain, section } from './block-kit.js';
import { progressView } from './checking-view.js';
import { FIELDS, VIEWS } from './ids.js';

export function rejectModal(requestId: string, subjectName: string) {
  return {
    type: 'modal' as const,
    callback_id: VIEWS.reject,
    // Names the request only: the submission re-reads it and re-checks who may reject it.
    private_metadata: JSON.stringify({ requestId }),
    title: plain('Reject offboarding'),
    submit: plain('Reject'),
    close: plain('Cancel'),
    blocks: [
      section(`Reject request *${requestId}* for ${escapeText(subjectName)}? The requester will be told why.`),
      input(FIELDS.rejectReason, 'Reason', { type: 'plain_text_input', multiline: true, max_length: TEXT_LIMITS.rejectReason }),
    ],
  };
}

/** Shown at once when a valid reason is submitted; the approver check with Slack runs after. */
export function rejectingView(requestId: string) {
  return progressView('Reject offboarding', `:hourglass_flowing_sand: Rejecting request *${requestId}*…`);
}

/** The outcome of a reject submission, replacing the "Rejecting…" view. */
export function rejectOutcomeView(text: string) {
  return progressView('Reject offboarding', text);
}
