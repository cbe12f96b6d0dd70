import { escapeText, input, plain, section } from './block-kit.js';
import { progressView } from './checking-view.js';
import { FIELDS, VIEWS } from './ids.js';

/** Asked when the request's rule wants the approver to type who is leaving before an approval counts. */
export function approveConfirmModal(requestId: string, subjectName: string, mismatch = false) {
  return {
    type: 'modal' as const,
    callback_id: VIEWS.confirmApproval,
    // Names the request only: the submission re-reads it and checks what was typed on the server.
    private_metadata: JSON.stringify({ requestId }),
    title: plain('Approve offboarding'),
    submit: plain('Approve'),
    close: plain('Cancel'),
    blocks: [
      section(
        `${mismatch ? ':warning: What you typed does not name the person leaving. ' : ''}Approving request *${requestId}* ends the access of ${escapeText(subjectName)}. Type their email or full name to confirm.`,
      ),
      input(FIELDS.confirmation, 'Email or full name of the person leaving', { type: 'plain_text_input', max_length: 200 }),
    ],
  };
}

/** Shown at once when something was typed; the check against the request runs after. */
export function approvingView(requestId: string) {
  return progressView('Approve offboarding', `:hourglass_flowing_sand: Approving request *${requestId}*…`);
}

/** The outcome, replacing the "Approving…" view. */
export function approveOutcomeView(text: string) {
  return progressView('Approve offboarding', text);
}
