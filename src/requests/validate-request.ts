import { redact } from '../redact.js';
import { FIELDS } from '../slack/blocks/ids.js';
import type { RequestForm } from '../slack/request-form.js';
import type { NewRequest } from './request.js';

export interface SlackPerson {
  id: string;
  name: string;
  email?: string;
  isBot: boolean;
  deleted: boolean;
  /** A workspace admin or owner (users.info `is_admin` / `is_owner`); absent in answers kept before they were read. */
  isAdmin?: boolean;
  isOwner?: boolean;
}

export type Validation = { ok: true; request: NewRequest } | { ok: false; errors: Record<string, string> };

export interface ValidationContext {
  requester: SlackPerson;
  /** Looks a Slack user up; undefined when Slack does not know them. */
  lookup(userId: string): Promise<SlackPerson | undefined>;
  now: Date;
}

const DEFAULT_GRACE_DAYS = 30;

/** Every rule a request must pass before anyone is asked to approve it; errors are keyed by modal block. */
export async function validateRequest(form: RequestForm, ctx: ValidationContext): Promise<Validation> {
  const errors: Record<string, string> = {};
  const person = form.personId ? await ctx.lookup(form.personId) : undefined;

  if (!form.personId) errors[FIELDS.person] = 'Choose the person who is leaving.';
  else if (!person) errors[FIELDS.person] = 'Slack does not know this person.';
  else if (person.isBot) errors[FIELDS.person] = `${person.name} is a bot or app, not a person.`;
  else if (person.deleted) errors[FIELDS.person] = `${person.name} is already deactivated in Slack.`;
  else if (person.id === ctx.requester.id) errors[FIELDS.person] = 'You cannot request your own offboarding; ask your manager or IT.';
  else if (!person.email) errors[FIELDS.person] = `${person.name} has no email on their Slack profile, so their cloud accounts cannot be found.`;

  if (!form.reason) errors[FIELDS.reason] = 'Choose a reason.';

  let effectiveAt: string | null = null;
  if (form.timing === 'scheduled') {
    if (form.effectiveAt === undefined) errors[FIELDS.effectiveAt] = 'Pick the date and time access must end.';
    else if (form.effectiveAt * 1000 <= ctx.now.getTime())
      errors[FIELDS.effectiveAt] = 'This time is in the past; pick a future time or choose "As soon as IT approves".';
    else effectiveAt = new Date(form.effectiveAt * 1000).toISOString();
  }

  const graceDays = form.graceDays ?? DEFAULT_GRACE_DAYS;
  if (form.disposition === 'disable_then_delete' && !(Number.isInteger(graceDays) && graceDays >= 1 && graceDays <= 365)) {
    errors[FIELDS.graceDays] = 'Enter a whole number of days between 1 and 365.';
  }

  let successorName: string | undefined;
  if (form.disposition !== 'delete_now') {
    if (!form.successorId) errors[FIELDS.successor] = 'Choose who takes over their resources and data (or choose "Delete now, keep nothing").';
    else if (form.successorId === form.personId) errors[FIELDS.successor] = 'The person leaving cannot take over their own resources.';
    else {
      const successor = await ctx.lookup(form.successorId);
      if (!successor || successor.deleted || successor.isBot) errors[FIELDS.successor] = 'Choose an active person to take over.';
      else successorName = successor.name;
    }
  } else if (form.successorId) {
    // Optional when nothing is kept: named if Slack says who it is, never a reason to refuse.
    successorName = (await ctx.lookup(form.successorId).catch(() => undefined))?.name;
  }

  // Unchosen: handed over when someone takes over, else ended as the disposition ends the rest.
  const created = form.created ?? (form.successorId ? 'hand_over' : form.disposition === 'delete_now' ? 'delete' : 'disable');
  if (created === 'hand_over' && !form.successorId)
    errors[FIELDS.created] = 'Name who takes over their resources to hand over what they created, or choose Delete.';
  else if (created === 'disable' && form.disposition === 'delete_now')
    errors[FIELDS.created] = 'Delete now keeps nothing to disable: choose Delete or Hand over, or disable first with a grace period.';
  else if (created === 'delete' && form.disposition === 'disable_then_delete')
    errors[FIELDS.created] = 'With a grace period they are disabled first and deleted when it ends: choose Disable or Hand over.';

  if (!form.ticket) errors[FIELDS.ticket] = 'Enter the ticket reference for this offboarding.';

  if (Object.keys(errors).length > 0 || !person?.email || !form.reason) return { ok: false, errors };
  return {
    ok: true,
    request: {
      subject: { slackUserId: person.id, name: person.name, email: person.email },
      requester: { slackUserId: ctx.requester.id, name: ctx.requester.name },
      reason: form.reason,
      effectiveAt,
      disposition: form.disposition === 'delete_now' ? { kind: 'delete_now' } : { kind: 'disable_then_delete', graceDays },
      successorSlackUserId: form.disposition === 'delete_now' ? (form.successorId ?? null) : form.successorId!,
      ...(successorName ? { successorName } : {}),
      createdItems: created,
      // Free text is masked as it enters, so a pasted token is never stored or shown.
      ticket: redact(form.ticket),
      notes: redact(form.notes),
    },
  };
}

/**
 * The problems the submitted values show on their own, whoever the people in them turn out to be:
 * everyone is taken for an active person with an email until Slack has been asked.
 */
export async function formProblems(form: RequestForm, requesterId: string, now: Date): Promise<Record<string, string>> {
  const anyone = async (id: string): Promise<SlackPerson> => ({ id, name: id, email: 'not-asked-yet@slack', isBot: false, deleted: false });
  const checked = await validateRequest(form, { requester: await anyone(requesterId), lookup: anyone, now });
  return checked.ok ? {} : checked.errors;
}
