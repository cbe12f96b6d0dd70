import { input, plain, section } from './block-kit.js';
import { FIELDS, VIEWS } from './ids.js';

export function rejectModal(requestId: string, subjectName: string) {
  return {
    type: 'modal' as const,
    callback_id: VIEWS.reject,
    private_metadata: JSON.stringify({ requestId }),
    title: plain('Reject offboarding'),
    submit: plain('Reject'),
    close: plain('Cancel'),
    blocks: [
      section(`Reject request *${requestId}* for ${subjectName}? The requester will be told why.`),
      input(FIELDS.rejectReason, 'Reason', { type: 'plain_text_input', multiline: true, max_length: 1000 }),
    ],
  };
}
