import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import type { NewRequest } from '../src/requests/request.js';
import type { SubmissionKey, Submitted } from '../src/requests/request-lifecycle.js';
import { formProblems, validateRequest, type SlackPerson } from '../src/requests/validate-request.js';
import { checkingView, sendingView } from '../src/slack/blocks/checking-view.js';
import { FIELDS } from '../src/slack/blocks/ids.js';
import { requestModal } from '../src/slack/blocks/request-modal.js';
import { approvalLink, submittedView } from '../src/slack/blocks/submitted-view.js';
import { lookupBudget, LookupTimeout } from '../src/slack/lookup-budget.js';
import { viewSubmissionPayload } from '../src/slack/payloads.js';
import { readRequestForm, type RequestForm } from '../src/slack/request-form.js';
import { bulkSubmission } from './bulk-submission.js';
import type { CommandDeps } from './deps.js';

/** Once the "Checking…" view is up, how long Slack may still take before the user is asked to submit again. */
const LATE_LOOKUP_BUDGET_MS = 20_000;

const DAMAGED = 'This form arrived in a shape I cannot read, so nothing was sent. Close it and run /offboard again.';
const TOO_SLOW = 'Slack took too long to tell me who the people in this request are, so nothing was sent. Submit again.';

type Outcome = Submitted | { kind: 'invalid'; errors: Record<string, string> };

/**
 * The request modal's submit, answered from the submitted values and what this process already
 * knows of the people in them (looked up as they were picked, commands/person-picked.ts): errors
 * go back into the modal at once; a valid request is answered "Sending…" and then stored, and the
 * modal updated with the outcome (the request, or a conflict found by the store). When someone in
 * the form is not known here yet, the answer is "Checking…" and Slack is asked afterwards. A request
 * is stored only when valid, once per submission, and announced before the modal shows it.
 */
export function requestSubmission(deps: CommandDeps) {
  return async ({ ack, body, client }: SlackViewMiddlewareArgs & AllMiddlewareArgs) => {
    const parsed = viewSubmissionPayload.safeParse(body);
    if (!parsed.success) {
      deps.logger.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'refused a malformed request submission');
      return ack({ response_action: 'errors', errors: { [FIELDS.person]: DAMAGED } });
    }
    const { user, view, team } = parsed.data;
    const submission: SubmissionKey = { viewId: view.id, hash: view.hash };
    const reading = readRequestForm(view.state?.values);
    if (!reading.ok) return ack({ response_action: 'errors', errors: reading.errors });
    const { form } = reading;
    if (form.othersIds || form.otherEmails) return bulkSubmission(deps, { ack, client, userId: user.id, submission, form, teamDomain: team?.domain });
    const store = (request: NewRequest) => submit(deps, request, submission, team?.domain);

    const known = knownPeople(deps, user.id, form);
    let outcome: Outcome;
    if (known) {
      const checked = await check(
        deps,
        user.id,
        form,
        async (id) => known.get(id),
        async () => undefined,
      );
      if (checked.kind === 'invalid') return ack({ response_action: 'errors', errors: checked.errors });
      await ack({ response_action: 'update', view: sendingView(checked.request.subject.name) });
      outcome = await store(checked.request);
    } else {
      const problems = await formProblems(form, user.id, deps.now());
      if (Object.keys(problems).length) return ack({ response_action: 'errors', errors: problems });
      await ack({ response_action: 'update', view: checkingView() });
      lookUpEveryone(deps, user.id, form);
      outcome = (await lookedUpAndStored(deps, user.id, form, store)) ?? { kind: 'invalid', errors: { [FIELDS.person]: TOO_SLOW } };
    }
    // Another delivery of this submission is storing it and will show the outcome.
    if (outcome.kind === 'in_progress') return;
    // Announced first: the person may have closed the modal, and a stored request must reach the approvers anyway.
    await announce(deps, outcome, user.id);
    await client.views
      .update({ view_id: view.id, view: outcome.kind === 'invalid' ? requestModal({ answers: form, problems: outcome.errors }) : outcomeView(outcome, deps) })
      // Closed meanwhile, most likely: a stored request is announced all the same, and the requester is told by message.
      .catch((err: Error) => deps.logger.warn({ err: err.message, user: user.id }, 'could not show the outcome of a request submission in its modal'));
  };
}

/** The requester and everyone picked, when this process knows them all already; else undefined. */
function knownPeople(deps: CommandDeps, requesterId: string, form: RequestForm): Map<string, SlackPerson | undefined> | undefined {
  // Someone typed by email is asked of Slack at submission (once per request), never known ahead.
  if (form.personEmail) return undefined;
  const known = new Map<string, SlackPerson | undefined>();
  for (const id of [requesterId, form.personId, form.successorId]) {
    if (!id) continue;
    const answer = deps.directory.known(id);
    if (!answer) return undefined;
    known.set(id, answer.person);
  }
  return known;
}

/** Every rule a request must pass, on the people as `lookup` gives them. */
async function check(
  deps: CommandDeps,
  requesterId: string,
  form: RequestForm,
  lookup: (id: string) => Promise<SlackPerson | undefined>,
  lookupEmail: (email: string) => Promise<SlackPerson | undefined>,
): Promise<{ kind: 'valid'; request: NewRequest } | { kind: 'invalid'; errors: Record<string, string> }> {
  const requester = await lookup(requesterId);
  if (!requester) return { kind: 'invalid', errors: { [FIELDS.person]: 'Slack could not tell me who you are; try again.' } };
  const checked = await validateRequest(form, { requester, lookup, lookupEmail, now: deps.now() });
  return checked.ok ? { kind: 'valid', request: checked.request } : { kind: 'invalid', errors: checked.errors };
}

/** Stores the request of this submission; a person with an open request is a problem to show in the form. */
async function submit(deps: CommandDeps, request: NewRequest, submission: SubmissionKey, teamDomain: string | undefined): Promise<Outcome> {
  const submitted = await deps.lifecycle.submit(request, submission);
  if (submitted.kind === 'open') return { kind: 'invalid', errors: { [FIELDS.person]: openRequestNotice(submitted, request.subject.name, teamDomain) } };
  return submitted;
}

/** The checks on people asked of Slack now, then the store, all under one budget; undefined when it ran out. */
async function lookedUpAndStored(
  deps: CommandDeps,
  requesterId: string,
  form: RequestForm,
  store: (request: NewRequest) => Promise<Outcome>,
): Promise<Outcome | undefined> {
  const budget = lookupBudget(LATE_LOOKUP_BUDGET_MS);
  try {
    const checked = await check(
      deps,
      requesterId,
      form,
      (id) => budget.run(deps.directory.person(id)),
      (email) => budget.run(deps.directory.byEmail(email)),
    );
    return checked.kind === 'invalid' ? checked : await store(checked.request);
  } catch (err) {
    if (err instanceof LookupTimeout) return undefined;
    throw err;
  } finally {
    budget.end();
  }
}

/** Asks about everyone in the request at once; the directory shares each answer with whoever asks next. */
function lookUpEveryone(deps: CommandDeps, requesterId: string, form: RequestForm): void {
  for (const id of [requesterId, form.personId, form.successorId]) if (id) deps.directory.person(id).catch(() => undefined);
}

function outcomeView(outcome: Exclude<Outcome, { kind: 'invalid' }>, deps: CommandDeps) {
  return outcome.kind === 'created' || outcome.kind === 'duplicate' ? submittedView(outcome.request, deps.approvalChannel) : checkingView();
}

async function announce(deps: CommandDeps, outcome: Outcome, requesterId: string): Promise<void> {
  if (outcome.kind !== 'created') return;
  await deps.lifecycle.announce(outcome.request);
  deps.logger.info({ requestId: outcome.request.id, requester: requesterId }, 'offboarding requested');
}

/**
 * What a requester is told of the open request about the person: an approver gets it named, with a
 * link to its approval message and what to do instead (ending a grace period is how a request is
 * escalated); anyone else only that one exists, not its id, state or reason.
 */
function openRequestNotice(open: Extract<Submitted, { kind: 'open' }>, name: string, teamDomain: string | undefined): string {
  if (!open.approver) return `An offboarding request about ${name} already exists, so this one was not sent.`;
  const r = open.request;
  if (!r) return `${name} already has an open offboarding request, ${open.id}; it must be closed before another.`;
  const permalink = approvalLink(r.approvalMessage, teamDomain);
  const link = permalink ? ` See ${permalink}` : '';
  if (r.status === 'disabled') {
    return `${name} already has an open offboarding request, ${r.id} (in its grace period: access removed, deletion scheduled). To delete now, use "End grace period now" on it; no second request is needed.${link}`;
  }
  const [state, until] =
    r.status === 'pending'
      ? ['waiting for approval', 'rejected or cancelled']
      : r.runStartedAt
        ? ['approved and running', 'finished']
        : ['approved, waiting for its scheduled time', 'cancelled or finished'];
  return `${name} already has an open offboarding request, ${r.id} (${state}); it must be ${until} before another.${link}`;
}
