import { TEXT_LIMITS } from '../../requests/request.js';
import { cut, escapeText, input, option, OPTION_TEXT_LIMIT, plain, section, slackDate } from './block-kit.js';
import { progressView } from './checking-view.js';
import { FIELDS, VIEWS } from './ids.js';

/**
 * Asks why a request is cancelled; names the request only (the submission re-reads and re-checks it).
 * `batchSize`: the request is one of a bulk request's, and the form offers to cancel all of them.
 */
export function cancelModal(requestId: string, subjectName: string, batchSize?: number) {
  // An option's text is at most 75 characters, or Slack refuses the whole form.
  const only = option('one', cut(`Only ${subjectName}`, OPTION_TEXT_LIMIT));
  return {
    type: 'modal' as const,
    callback_id: VIEWS.cancel,
    private_metadata: JSON.stringify({ requestId }),
    title: plain('Cancel offboarding'),
    submit: plain('Cancel request'),
    close: plain('Keep it'),
    blocks: [
      section(`Cancel request *${requestId}* to offboard ${escapeText(subjectName)}? Nothing is removed, and a scheduled run is taken off the schedule.`),
      input(FIELDS.cancelReason, 'Why', { type: 'plain_text_input', multiline: true, max_length: TEXT_LIMITS.rejectReason }),
      ...(batchSize
        ? [
            input(FIELDS.cancelScope, 'Whom', {
              type: 'radio_buttons',
              initial_option: only,
              options: [only, option('all', `All ${batchSize} people of this bulk request`)],
            }),
          ]
        : []),
    ],
  };
}

/** Asks for the new time access ends; approvers are asked again. */
export function rescheduleModal(requestId: string, subjectName: string, effectiveAt: string | null) {
  return {
    type: 'modal' as const,
    callback_id: VIEWS.reschedule,
    private_metadata: JSON.stringify({ requestId }),
    title: plain('Reschedule offboarding'),
    submit: plain('Reschedule'),
    close: plain('Cancel'),
    blocks: [
      section(
        `Access of ${escapeText(subjectName)} ends ${effectiveAt ? slackDate(effectiveAt) : 'as soon as approved'} under request *${requestId}*. A new time asks every approver again.`,
      ),
      input(FIELDS.effectiveAt, 'New date and time access ends', { type: 'datetimepicker' }),
    ],
  };
}

/** Shown at once when the form is valid; the outcome replaces it. */
export function managingView(title: string, text: string) {
  return progressView(title, text);
}
