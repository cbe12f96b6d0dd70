import type { BatchConfirmation } from '../../requests/request-lifecycle.js';
import { escapeText, input, plain, section } from './block-kit.js';
import { progressView } from './checking-view.js';
import { FIELDS, VIEWS } from './ids.js';

/** How many people a bulk confirmation names before it counts the rest: the section stays within Slack's 3,000 characters. */
const NAMED = 20;

/**
 * Asked when the request's rule wants the approver to type who is leaving before an approval counts;
 * for a bulk request (`batch`), how many people the one approval decides.
 */
export function approveConfirmModal(requestId: string, subjectName: string, mismatch = false, batch?: BatchConfirmation) {
  if (!batch)
    return confirmModal(
      requestId,
      `${mismatch ? ':warning: What you typed does not name the person leaving. ' : ''}Approving request *${requestId}* ends the access of ${escapeText(subjectName)}. Type their email or full name to confirm.`,
      'Email or full name of the person leaving',
    );
  const names = batch.names.slice(0, NAMED).map(escapeText).join(', ');
  const more = batch.names.length > NAMED ? ` and ${batch.names.length - NAMED} more` : '';
  return confirmModal(
    requestId,
    `${mismatch ? `:warning: What you typed is not ${batch.count}, the number of people this approval decides; nothing was approved. ` : ''}Approving request *${requestId}* decides bulk request *${escapeText(batch.id)}*: it ends the access of ${batch.count} people (${names}${more}). Type the number of people, ${batch.count}, to confirm.`,
    'Number of people this approval decides',
  );
}

function confirmModal(requestId: string, text: string, label: string) {
  return {
    type: 'modal' as const,
    callback_id: VIEWS.confirmApproval,
    // Names the request only: the submission re-reads it and checks what was typed on the server.
    private_metadata: JSON.stringify({ requestId }),
    title: plain('Approve offboarding'),
    submit: plain('Approve'),
    close: plain('Cancel'),
    blocks: [section(text), input(FIELDS.confirmation, label, { type: 'plain_text_input', max_length: 200 })],
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
