import { TASK_NOTE_LIMIT } from '../task-payloads.js';
import { escapeText, input, plain, section } from './block-kit.js';
import { progressView } from './checking-view.js';
import { FIELDS, VIEWS } from './ids.js';

/** Not needed asks why: the reason goes into the evidence with the name of who closed the task. */
export function rotationNoteModal(requestId: string, code: string, label: string) {
  return {
    type: 'modal' as const,
    callback_id: VIEWS.rotationNote,
    // Names the task only: the submission re-reads it and re-checks who may close it.
    private_metadata: JSON.stringify({ requestId, code }),
    title: plain('Rotation not needed'),
    submit: plain('Record'),
    close: plain('Cancel'),
    blocks: [
      section(`Attest that *${escapeText(label)}* of request *${requestId}* needs no rotation. The evidence records your name, the time and this reason.`),
      input(FIELDS.taskNote, 'Why it needs no rotation', { type: 'plain_text_input', multiline: true, max_length: TASK_NOTE_LIMIT }),
    ],
  };
}

/** The outcome of closing a rotation task from the modal. */
export const rotationOutcomeView = (text: string) => progressView('Rotation not needed', text);
