import { plain, section } from './block-kit.js';
import { FIELDS, inputAction, VIEWS } from './ids.js';

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
      {
        type: 'input',
        block_id: FIELDS.rejectReason,
        label: plain('Reason'),
        element: { type: 'plain_text_input', action_id: inputAction(FIELDS.rejectReason), multiline: true, max_length: 1000 },
      },
    ],
  };
}
