import { CREATED_CHOICES, MAX_BATCH, REASONS, TEXT_LIMITS, type Reason } from '../../requests/request.js';
import { EMAIL_LIMIT, OTHER_EMAILS_LIMIT, type RequestForm } from '../request-form.js';
import { escapeText, input, option, plain, section } from './block-kit.js';
import { FIELDS, VIEWS } from './ids.js';
import { wellFormed } from '../../well-formed.js';

export interface RequestModalInput {
  /** Pre-filled from `/offboard @person` or a sweep digest's Offboard. */
  personId?: string;
  /** Pre-filled from `/offboard jane@acme.com`. */
  personEmail?: string;
  /** Pre-filled from a sweep digest's Offboard: "Inactive identity". */
  reason?: Reason;
  /** Answers to show again, when the form comes back after a check that finished late. */
  answers?: RequestForm;
  /** Problems to fix, by input block: Slack only shows field errors in the answer to a submission. */
  problems?: Partial<Record<string, string>>;
}

const TIMING = { now: 'As soon as IT approves', scheduled: 'At a date and time' } as const;
const DISPOSITION = { disable_then_delete: 'Disable now, delete after a grace period', delete_now: 'Delete now, keep nothing' } as const;
const LABELS: Record<string, string> = {
  [FIELDS.person]: 'Who is leaving?',
  [FIELDS.personEmail]: 'Or their email',
  [FIELDS.others]: 'Others leaving with them',
  [FIELDS.otherEmails]: 'Or their emails',
  [FIELDS.reason]: 'Why',
  [FIELDS.timing]: 'When does access end?',
  [FIELDS.effectiveAt]: 'Date and time (if scheduled)',
  [FIELDS.disposition]: 'Afterwards',
  [FIELDS.graceDays]: 'Grace period (days)',
  [FIELDS.successor]: 'Who takes over their resources and data?',
  [FIELDS.created]: 'What they created',
  [FIELDS.ticket]: 'Ticket reference',
  [FIELDS.notes]: 'Notes',
};

export function requestModal({ personId, personEmail, reason: preset, answers, problems = {} }: RequestModalInput = {}) {
  const person = answers?.personId ?? personId;
  const email = answers?.personEmail ?? personEmail;
  const reason = answers?.reason ?? preset;
  const listed = Object.entries(problems).filter(([, text]) => text);
  return {
    type: 'modal' as const,
    callback_id: VIEWS.request,
    title: plain('Offboard someone'),
    submit: plain('Request approval'),
    close: plain('Cancel'),
    blocks: [
      ...(listed.length
        ? [section(`:warning: *Please fix before sending:*\n${listed.map(([block, text]) => `• *${LABELS[block] ?? block}* ${escapeText(text!)}`).join('\n')}`)]
        : []),
      // dispatch_action: a pick is sent to the bot at once, which looks the person up while the
      // rest of the form is filled in (commands/person-picked.ts), so the submission need not wait on Slack.
      input(
        FIELDS.person,
        LABELS[FIELDS.person]!,
        { type: 'users_select', ...(person ? { initial_user: person } : {}) },
        { optional: true, dispatch_action: true },
      ),
      input(
        FIELDS.personEmail,
        LABELS[FIELDS.personEmail]!,
        { type: 'plain_text_input', placeholder: plain('jane@acme.com'), max_length: EMAIL_LIMIT, ...(email ? { initial_value: wellFormed(email) } : {}) },
        { optional: true, hint: plain('When they cannot be picked (deactivated in Slack, or never had an account): found by this email in every system.') },
      ),
      input(
        FIELDS.others,
        LABELS[FIELDS.others]!,
        { type: 'multi_users_select', max_selected_items: MAX_BATCH - 1, ...(answers?.othersIds ? { initial_users: answers.othersIds } : {}) },
        { optional: true, hint: plain(`Up to ${MAX_BATCH - 1} more, for one approval of everyone: the answers below apply to each of them.`) },
      ),
      input(
        FIELDS.otherEmails,
        LABELS[FIELDS.otherEmails]!,
        {
          type: 'plain_text_input',
          multiline: true,
          max_length: OTHER_EMAILS_LIMIT,
          ...(answers?.otherEmails ? { initial_value: wellFormed(answers.otherEmails.join('\n')) } : {}),
        },
        { optional: true, hint: plain('One a line, for those who cannot be picked: each is found by their email in every system.') },
      ),
      input(
        FIELDS.reason,
        LABELS[FIELDS.reason]!,
        {
          type: 'static_select',
          placeholder: plain('Pick a reason'),
          options: Object.entries(REASONS).map(([value, text]) => option(value, text)),
          ...(reason ? { initial_option: option(reason, REASONS[reason]) } : {}),
        },
        { hint: plain('A role change removes their access but keeps the person: their accounts stay and nothing is deleted.') },
      ),
      input(FIELDS.timing, LABELS[FIELDS.timing]!, {
        type: 'radio_buttons',
        initial_option: choice(TIMING, answers?.timing ?? 'now'),
        options: Object.keys(TIMING).map((k) => choice(TIMING, k as keyof typeof TIMING)),
      }),
      input(
        FIELDS.effectiveAt,
        LABELS[FIELDS.effectiveAt]!,
        { type: 'datetimepicker', ...(answers?.effectiveAt !== undefined ? { initial_date_time: answers.effectiveAt } : {}) },
        { optional: true },
      ),
      input(FIELDS.disposition, LABELS[FIELDS.disposition]!, {
        type: 'radio_buttons',
        initial_option: choice(DISPOSITION, answers?.disposition ?? 'disable_then_delete'),
        options: Object.keys(DISPOSITION).map((k) => choice(DISPOSITION, k as keyof typeof DISPOSITION)),
      }),
      input(
        FIELDS.graceDays,
        LABELS[FIELDS.graceDays]!,
        { type: 'number_input', is_decimal_allowed: false, min_value: '1', max_value: '365', ...graceInitial(answers) },
        { optional: true },
      ),
      input(
        FIELDS.successor,
        LABELS[FIELDS.successor]!,
        { type: 'users_select', ...(answers?.successorId ? { initial_user: answers.successorId } : {}) },
        {
          optional: true,
          dispatch_action: true,
          hint: plain('Required unless nothing is kept.'),
        },
      ),
      input(
        FIELDS.created,
        LABELS[FIELDS.created]!,
        {
          type: 'radio_buttons',
          options: Object.keys(CREATED_CHOICES).map((k) => choice(CREATED_CHOICES, k as keyof typeof CREATED_CHOICES)),
          ...(answers?.created ? { initial_option: choice(CREATED_CHOICES, answers.created) } : {}),
        },
        {
          optional: true,
          hint: plain(
            'Service accounts and their API keys they made. Disable stops them at once. Delete, with a grace period, leaves them working until it ends, then deletes them. Unchosen: handed over when someone takes over, else ended like the rest.',
          ),
        },
      ),
      input(FIELDS.ticket, LABELS[FIELDS.ticket]!, {
        type: 'plain_text_input',
        placeholder: plain('e.g. HR-1234'),
        max_length: TEXT_LIMITS.ticket,
        ...(answers?.ticket ? { initial_value: wellFormed(answers.ticket) } : {}),
      }),
      input(
        FIELDS.notes,
        LABELS[FIELDS.notes]!,
        { type: 'plain_text_input', multiline: true, max_length: TEXT_LIMITS.notes, ...(answers?.notes ? { initial_value: wellFormed(answers.notes) } : {}) },
        { optional: true },
      ),
    ],
  };
}

function choice<T extends Record<string, string>>(texts: T, value: keyof T & string) {
  return option(value, texts[value]!);
}

/** 30 on a fresh form; Slack refuses an initial value outside the field's range, so a bad one comes back empty. */
function graceInitial(answers: RequestForm | undefined) {
  if (!answers) return { initial_value: '30' };
  const days = answers.graceDays;
  return days !== undefined && Number.isInteger(days) && days >= 1 && days <= 365 ? { initial_value: String(days) } : {};
}
