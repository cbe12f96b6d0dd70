import { z } from 'zod';
import { isReason, MAX_BATCH, TEXT_LIMITS, type CreatedItems, type Reason } from '../requests/request.js';
import { FIELDS, inputAction } from './blocks/ids.js';
import { slackUserId } from './payloads.js';

/** What the request modal holds once Slack's state shape is peeled off. */
export interface RequestForm {
  personId?: string;
  /** Typed when the person cannot be picked in Slack (deactivated, or never had an account). */
  personEmail?: string;
  /** Everyone else picked as leaving with them (a bulk request); absent when nobody is. */
  othersIds?: string[];
  /** Everyone else typed as leaving with them, by email (as typed, duplicates dropped); absent when nobody is. */
  otherEmails?: string[];
  reason?: Reason;
  timing: 'now' | 'scheduled';
  /** Unix seconds from the datetimepicker. */
  effectiveAt?: number;
  disposition: 'disable_then_delete' | 'delete_now';
  /** As typed; the validation says what is wrong with it. */
  graceDays?: number;
  successorId?: string;
  /** Unanswered: hand over when a successor is named, else disable or delete as the disposition says. */
  created?: CreatedItems;
  ticket: string;
  notes: string;
}

export type FormReading = { ok: true; form: RequestForm } | { ok: false; errors: Record<string, string> };

/** RFC 5321's longest address. */
export const EMAIL_LIMIT = 254;

/** Slack's longest plain text input: room for 99 addresses of about 30 characters. */
export const OTHER_EMAILS_LIMIT = 3000;

const UNREADABLE = 'This answer arrived in a shape the form never sends; choose or type it again.';
const NO_ANSWERS = 'The form arrived without its answers; close it and run /offboard again.';

const option = <T extends string>(values: readonly [T, ...T[]]) => z.object({ selected_option: z.object({ value: z.enum(values) }).nullish() });
const user = z.object({ selected_user: slackUserId.nullish() });
const text = (max: number) => z.object({ value: z.string().max(max).nullish() });

/** One schema per input block: a bad answer is named on its own block, the others still read. */
const ELEMENTS = {
  [FIELDS.person]: user,
  [FIELDS.personEmail]: text(EMAIL_LIMIT),
  [FIELDS.others]: z.object({
    selected_users: z
      .array(slackUserId)
      .max(MAX_BATCH - 1)
      .nullish(),
  }),
  [FIELDS.otherEmails]: text(OTHER_EMAILS_LIMIT),
  [FIELDS.reason]: z.object({ selected_option: z.object({ value: z.string().max(50) }).nullish() }),
  [FIELDS.timing]: option(['now', 'scheduled']),
  // Slack's datetimepicker gives whole unix seconds; anything past year 9999 is not a date.
  [FIELDS.effectiveAt]: z.object({ selected_date_time: z.number().int().min(0).max(253_402_300_799).nullish() }),
  [FIELDS.disposition]: option(['disable_then_delete', 'delete_now']),
  [FIELDS.graceDays]: text(10),
  [FIELDS.successor]: user,
  [FIELDS.created]: option(['hand_over', 'disable', 'delete']),
  [FIELDS.ticket]: text(TEXT_LIMITS.ticket),
  [FIELDS.notes]: text(TEXT_LIMITS.notes),
} as const;

/** The reject modal's one answer (built once, like those above: a schema costs far more to build than to use). */
/** A plain text input's value, as the reject and confirmation modals send it. */
const REJECT_REASON = z.object({ value: z.string().nullish() });

const TOO_LONG: Partial<Record<string, string>> = {
  [FIELDS.personEmail]: `An email address is at most ${EMAIL_LIMIT} characters.`,
  [FIELDS.otherEmails]: `Keep the emails to ${OTHER_EMAILS_LIMIT} characters or fewer.`,
  [FIELDS.others]: `One request is for at most ${MAX_BATCH} people: the person and ${MAX_BATCH - 1} others.`,
  [FIELDS.ticket]: `Keep the ticket reference to ${TEXT_LIMITS.ticket} characters or fewer.`,
  [FIELDS.notes]: `Keep the notes to ${TEXT_LIMITS.notes} characters or fewer.`,
};

/**
 * Reads the modal's `view.state.values` as sent by anyone holding a signature: every block is
 * looked up as an own property and parsed against what our modal can send.
 */
export function readRequestForm(raw: unknown): FormReading {
  if (!isRecord(raw)) return { ok: false, errors: { [FIELDS.person]: NO_ANSWERS } };
  const errors: Record<string, string> = {};
  const read = <S extends z.ZodType>(block: keyof typeof ELEMENTS & string, schema: S): z.infer<S> | undefined => {
    const element = ownRecord(ownRecord(raw, block), inputAction(block)) ?? {};
    const parsed = schema.safeParse(element);
    if (parsed.success) return parsed.data;
    const tooLong = parsed.error.issues.some((i) => i.code === 'too_big' && (i.path.at(-1) === 'value' || i.path.at(-1) === 'selected_users'));
    errors[block] = (tooLong && TOO_LONG[block]) || UNREADABLE;
    return undefined;
  };

  const person = read(FIELDS.person, ELEMENTS[FIELDS.person]);
  const personEmail = read(FIELDS.personEmail, ELEMENTS[FIELDS.personEmail])?.value?.trim() || undefined;
  const others = [...new Set(read(FIELDS.others, ELEMENTS[FIELDS.others])?.selected_users ?? [])];
  const typedOthers = read(FIELDS.otherEmails, ELEMENTS[FIELDS.otherEmails])?.value ?? '';
  const typed = typedOthers.split(/[\s,;]+/).filter(Boolean);
  // One person per address, letter case aside, as first typed.
  const otherEmails = typed.filter((e, k) => typed.findIndex((x) => x.toLowerCase() === e.toLowerCase()) === k);
  const reason = read(FIELDS.reason, ELEMENTS[FIELDS.reason])?.selected_option?.value;
  if (reason !== undefined && !isReason(reason)) errors[FIELDS.reason] = 'Choose one of the listed reasons.';
  const timing = read(FIELDS.timing, ELEMENTS[FIELDS.timing]);
  const effectiveAt = read(FIELDS.effectiveAt, ELEMENTS[FIELDS.effectiveAt]);
  const disposition = read(FIELDS.disposition, ELEMENTS[FIELDS.disposition]);
  const grace = read(FIELDS.graceDays, ELEMENTS[FIELDS.graceDays])?.value?.trim() ?? '';
  const successor = read(FIELDS.successor, ELEMENTS[FIELDS.successor]);
  const created = read(FIELDS.created, ELEMENTS[FIELDS.created])?.selected_option?.value;
  const ticket = read(FIELDS.ticket, ELEMENTS[FIELDS.ticket]);
  const notes = read(FIELDS.notes, ELEMENTS[FIELDS.notes]);
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  return {
    ok: true,
    form: {
      personId: person?.selected_user ?? undefined,
      ...(personEmail ? { personEmail } : {}),
      ...(others.length ? { othersIds: others } : {}),
      ...(otherEmails.length ? { otherEmails } : {}),
      reason: reason !== undefined && isReason(reason) ? reason : undefined,
      timing: timing?.selected_option?.value ?? 'now',
      effectiveAt: effectiveAt?.selected_date_time ?? undefined,
      disposition: disposition?.selected_option?.value ?? 'disable_then_delete',
      graceDays: grace === '' ? undefined : Number(grace),
      successorId: successor?.selected_user ?? undefined,
      ...(created ? { created } : {}),
      ticket: ticket?.value?.trim() ?? '',
      notes: notes?.value?.trim() ?? '',
    },
  };
}

/** The reject modal's reason: required, and no longer than the modal allows. */
export function readRejectReason(raw: unknown): { ok: true; reason: string } | { ok: false; error: string } {
  const element = ownRecord(ownRecord(raw, FIELDS.rejectReason), inputAction(FIELDS.rejectReason)) ?? {};
  const parsed = REJECT_REASON.safeParse(element);
  if (!parsed.success) return { ok: false, error: UNREADABLE };
  const reason = parsed.data.value?.trim() ?? '';
  if (!reason) return { ok: false, error: 'Say why, so the requester knows what to fix.' };
  if ((parsed.data.value ?? '').length > TEXT_LIMITS.rejectReason) {
    return { ok: false, error: `Keep the reason to ${TEXT_LIMITS.rejectReason} characters or fewer.` };
  }
  return { ok: true, reason };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function ownRecord(v: unknown, key: string): Record<string, unknown> | undefined {
  if (!isRecord(v) || !Object.hasOwn(v, key)) return undefined;
  const inner = v[key];
  return isRecord(inner) ? inner : undefined;
}

/** Longer than any email or name a person types to confirm. */
const CONFIRMATION_LIMIT = 200;

/** What an approver typed to confirm an approval (checked against the request on the server). */
export function readConfirmation(raw: unknown): { ok: true; typed: string } | { ok: false; error: string } {
  const element = ownRecord(ownRecord(raw, FIELDS.confirmation), inputAction(FIELDS.confirmation)) ?? {};
  const parsed = REJECT_REASON.safeParse(element);
  if (!parsed.success) return { ok: false, error: UNREADABLE };
  const typed = parsed.data.value?.trim() ?? '';
  if (!typed) return { ok: false, error: 'Type the email or full name of the person leaving (for a bulk request, the number of people).' };
  if (typed.length > CONFIRMATION_LIMIT) return { ok: false, error: `That is longer than any email or name (${CONFIRMATION_LIMIT} characters).` };
  return { ok: true, typed };
}

const CANCEL_SCOPE = z.object({ selected_option: z.object({ value: z.enum(['one', 'all']) }).nullish() });

/** The cancel modal's choice on a bulk request: everyone in it, or (also when absent) this person only. */
export function readCancelScope(raw: unknown): 'one' | 'all' {
  const parsed = CANCEL_SCOPE.safeParse(ownRecord(ownRecord(raw, FIELDS.cancelScope), inputAction(FIELDS.cancelScope)) ?? {});
  return parsed.success && parsed.data.selected_option?.value === 'all' ? 'all' : 'one';
}

/** The cancel modal's reason: required, as long as a rejection's at most. */
export function readCancelReason(raw: unknown): { ok: true; reason: string } | { ok: false; error: string } {
  const element = ownRecord(ownRecord(raw, FIELDS.cancelReason), inputAction(FIELDS.cancelReason)) ?? {};
  const parsed = REJECT_REASON.safeParse(element);
  if (!parsed.success) return { ok: false, error: UNREADABLE };
  const reason = parsed.data.value?.trim() ?? '';
  if (!reason) return { ok: false, error: 'Say why, so the trail and the requester know.' };
  if ((parsed.data.value ?? '').length > TEXT_LIMITS.rejectReason)
    return { ok: false, error: `Keep the reason to ${TEXT_LIMITS.rejectReason} characters or fewer.` };
  return { ok: true, reason };
}

const NEW_TIME = z.object({ selected_date_time: z.number().int().positive().nullish() });

/** The reschedule modal's new time: required, and in the future. */
export function readNewTime(raw: unknown, now: Date): { ok: true; effectiveAt: string } | { ok: false; error: string } {
  const element = ownRecord(ownRecord(raw, FIELDS.effectiveAt), inputAction(FIELDS.effectiveAt)) ?? {};
  const parsed = NEW_TIME.safeParse(element);
  if (!parsed.success) return { ok: false, error: UNREADABLE };
  const at = parsed.data.selected_date_time;
  if (!at) return { ok: false, error: 'Pick the date and time access must end.' };
  if (at * 1000 <= now.getTime()) return { ok: false, error: 'This time is in the past; pick a future time.' };
  return { ok: true, effectiveAt: new Date(at * 1000).toISOString() };
}
