import type { Reason } from '../../src/requests/request.js';
import { FIELDS, inputAction } from '../../src/slack/blocks/ids.js';

export interface FormAnswers {
  person?: string;
  /** Typed in "Or their email", for someone who cannot be picked. */
  personEmail?: string;
  /** Picked in "Others leaving with them": a bulk request. */
  others?: string[];
  /** Typed in "Or their emails", one a line. */
  otherEmails?: string[];
  reason?: Reason;
  timing?: 'now' | 'scheduled';
  /** Unix seconds. */
  effectiveAt?: number;
  disposition?: 'disable_then_delete' | 'delete_now';
  graceDays?: string;
  successor?: string;
  created?: 'hand_over' | 'disable' | 'delete';
  ticket?: string;
  notes?: string;
}

/** The request modal's `view.state.values` as Slack would send them for these answers. */
export function requestFormValues(a: FormAnswers) {
  const v = (block: string, value: Record<string, unknown>) => ({ [block]: { [inputAction(block)]: value } });
  const option = (value?: string) => (value ? { value } : null);
  return {
    ...v(FIELDS.person, { type: 'users_select', selected_user: a.person ?? null }),
    ...v(FIELDS.personEmail, { type: 'plain_text_input', value: a.personEmail ?? null }),
    ...v(FIELDS.others, { type: 'multi_users_select', selected_users: a.others ?? [] }),
    ...v(FIELDS.otherEmails, { type: 'plain_text_input', value: a.otherEmails?.join('\n') ?? null }),
    ...v(FIELDS.reason, { type: 'static_select', selected_option: option(a.reason) }),
    ...v(FIELDS.timing, { type: 'radio_buttons', selected_option: option(a.timing ?? 'now') }),
    ...v(FIELDS.effectiveAt, { type: 'datetimepicker', selected_date_time: a.effectiveAt ?? null }),
    // Unlike the modal, which offers disabling first, answers default to deleting at once: what most
    // scenarios assert; the lifecycle's own scenarios choose disable_then_delete.
    ...v(FIELDS.disposition, { type: 'radio_buttons', selected_option: option(a.disposition ?? 'delete_now') }),
    ...v(FIELDS.graceDays, { type: 'number_input', value: a.graceDays ?? '30' }),
    ...v(FIELDS.successor, { type: 'users_select', selected_user: a.successor ?? null }),
    ...v(FIELDS.created, { type: 'radio_buttons', selected_option: option(a.created) }),
    ...v(FIELDS.ticket, { type: 'plain_text_input', value: a.ticket ?? null }),
    ...v(FIELDS.notes, { type: 'plain_text_input', value: a.notes ?? null }),
  };
}
