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
  /** Looks a Slack user up by their exact email; undefined when Slack knows nobody by it. */
  lookupEmail(email: string): Promise<SlackPerson | undefined>;
  now: Date;
}

const DEFAULT_GRACE_DAYS = 30;

/** One address, nothing around it: the systems compare it exactly, so a typo finds nobody rather than someone else. */
export const EMAIL_SHAPE = /^[^\s@<>|"]+@[^\s@<>|"]+\.[^\s@<>|"]+$/;

/** Every rule a request must pass before anyone is asked to approve it; errors are keyed by modal block. */
export async function validateRequest(form: RequestForm, ctx: ValidationContext): Promise<Validation> {
  const errors: Record<string, string> = {};
  const subject = await whoIsLeaving(form, ctx, errors);

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

  if (!form.ticket) errors[FIELDS.ticket] = 'Enter the ticket reference for this offboarding.';

  if (Object.keys(errors).length > 0 || !subject || !form.reason) return { ok: false, errors };
  return {
    ok: true,
    request: {
      subject,
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
 * The person leaving, picked in Slack or named by email; problems go into `errors`. A Slack account
 * that is already deactivated is no reason to refuse (the identity provider usually gets there
 * first, and their other access still has to end): the run records it as deactivated before the
 * request. An email Slack does not know is someone without a Slack account, found by email elsewhere.
 */
async function whoIsLeaving(form: RequestForm, ctx: ValidationContext, errors: Record<string, string>): Promise<NewRequest['subject'] | undefined> {
  const fail = (block: string, text: string): undefined => {
    errors[block] = text;
  };
  if (form.personId && form.personEmail) return fail(FIELDS.personEmail, 'Pick the person or type their email, not both.');
  if (form.personEmail) {
    const email = form.personEmail;
    if (!EMAIL_SHAPE.test(email)) return fail(FIELDS.personEmail, 'Type one email address, e.g. jane@acme.com.');
    if (ctx.requester.email && email.toLowerCase() === ctx.requester.email.toLowerCase())
      return fail(FIELDS.personEmail, 'You cannot request your own offboarding; ask your manager or IT.');
    const person = await ctx.lookupEmail(email);
    if (!person) return { slackUserId: null, name: email, email };
    if (person.isBot) return fail(FIELDS.personEmail, `${person.name} is a bot or app, not a person.`);
    if (person.id === ctx.requester.id) return fail(FIELDS.personEmail, 'You cannot request your own offboarding; ask your manager or IT.');
    return { slackUserId: person.id, name: person.name, email };
  }
  if (!form.personId) return fail(FIELDS.person, 'Choose the person who is leaving, or type their email below.');
  const person = await ctx.lookup(form.personId);
  if (!person) return fail(FIELDS.person, 'Slack does not know this person.');
  if (person.isBot) return fail(FIELDS.person, `${person.name} is a bot or app, not a person.`);
  if (person.id === ctx.requester.id) return fail(FIELDS.person, 'You cannot request your own offboarding; ask your manager or IT.');
  if (!person.email)
    return fail(
      FIELDS.person,
      `${person.name} has no email on their Slack profile, so their cloud accounts cannot be found; type the email they use there instead.`,
    );
  return { slackUserId: person.id, name: person.name, email: person.email };
}

/**
 * The problems the submitted values show on their own, whoever the people in them turn out to be:
 * everyone is taken for an active person with an email until Slack has been asked.
 */
export async function formProblems(form: RequestForm, requesterId: string, now: Date): Promise<Record<string, string>> {
  const anyone = async (id: string): Promise<SlackPerson> => ({ id, name: id, email: 'not-asked-yet@slack', isBot: false, deleted: false });
  const checked = await validateRequest(form, { requester: await anyone(requesterId), lookup: anyone, lookupEmail: async () => undefined, now });
  return checked.ok ? {} : checked.errors;
}
