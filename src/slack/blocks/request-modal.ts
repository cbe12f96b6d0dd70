import { REASONS } from '../../requests/request.js';
import { input, option, plain } from './block-kit.js';
import { FIELDS, VIEWS } from './ids.js';

export interface RequestModalInput {
  /** Pre-filled from `/offboard @person`. */
  personId?: string;
  /** Where the command was typed, for the ephemeral confirmation. */
  channelId: string;
}

export function requestModal({ personId, channelId }: RequestModalInput) {
  return {
    type: 'modal' as const,
    callback_id: VIEWS.request,
    private_metadata: JSON.stringify({ channelId }),
    title: plain('Offboard someone'),
    submit: plain('Request approval'),
    close: plain('Cancel'),
    blocks: [
      input(FIELDS.person, 'Who is leaving?', { type: 'users_select', ...(personId ? { initial_user: personId } : {}) }),
      input(FIELDS.reason, 'Why', {
        type: 'static_select',
        placeholder: plain('Pick a reason'),
        options: Object.entries(REASONS).map(([value, text]) => option(value, text)),
      }),
      input(FIELDS.timing, 'When does access end?', {
        type: 'radio_buttons',
        initial_option: option('now', 'As soon as IT approves'),
        options: [option('now', 'As soon as IT approves'), option('scheduled', 'At a date and time')],
      }),
      input(FIELDS.effectiveAt, 'Date and time (if scheduled)', { type: 'datetimepicker' }, { optional: true }),
      input(FIELDS.disposition, 'Afterwards', {
        type: 'radio_buttons',
        initial_option: option('disable_then_delete', 'Disable now, delete after a grace period'),
        options: [option('disable_then_delete', 'Disable now, delete after a grace period'), option('delete_now', 'Delete now, keep nothing')],
      }),
      input(FIELDS.graceDays, 'Grace period (days)', { type: 'number_input', is_decimal_allowed: false, min_value: '1', max_value: '365', initial_value: '30' }, { optional: true }),
      input(FIELDS.successor, 'Who takes over their resources and data?', { type: 'users_select' }, {
        optional: true,
        hint: plain('Required unless nothing is kept.'),
      }),
      input(FIELDS.ticket, 'Ticket reference', { type: 'plain_text_input', placeholder: plain('e.g. HR-1234'), max_length: 100 }),
      input(FIELDS.notes, 'Notes', { type: 'plain_text_input', multiline: true, max_length: 2000 }, { optional: true }),
    ],
  };
}
