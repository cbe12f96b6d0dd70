import { escapeText, input, plain, section } from './block-kit.js';
import { progressView } from './checking-view.js';
import { FIELDS, VIEWS } from './ids.js';
import { TASK_NOTE_LIMIT } from '../task-payloads.js';

/** Not applicable asks why: the note goes into the evidence with the attester's name. */
export function taskNoteModal(requestId: string, stepId: string, title: string, item?: string) {
  return {
    type: 'modal' as const,
    callback_id: VIEWS.taskNote,
    // Names the task only: the submission re-reads it and re-checks who may attest it.
    private_metadata: JSON.stringify({ requestId, stepId, ...(item ? { item } : {}) }),
    title: plain('Not applicable'),
    submit: plain('Record'),
    close: plain('Cancel'),
    blocks: [
      section(`Attest that *${escapeText(title)}* does not apply to request *${requestId}*. The evidence records your name, the time and this note.`),
      input(FIELDS.taskNote, 'Why it does not apply', { type: 'plain_text_input', multiline: true, max_length: TASK_NOTE_LIMIT }),
    ],
  };
}

/** The outcome of a task's attestation from the modal. */
export const taskOutcomeView = (text: string) => progressView('Not applicable', text);
