import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import type { OffboardRequest } from '../src/requests/request.js';
import type { SubmissionKey, Submitted } from '../src/requests/request-lifecycle.js';
import { validateRequest } from '../src/requests/validate-request.js';
import { checkingView } from '../src/slack/blocks/checking-view.js';
import { FIELDS } from '../src/slack/blocks/ids.js';
import { requestModal } from '../src/slack/blocks/request-modal.js';
import { submittedView } from '../src/slack/blocks/submitted-view.js';
import { lookupBudget, LookupTimeout, type LookupBudget } from '../src/slack/lookup-budget.js';
import { viewSubmissionPayload } from '../src/slack/payloads.js';
import { readRequestForm, type RequestForm } from '../src/slack/request-form.js';
import type { CommandDeps } from './deps.js';

/** Slack shows the user an error after 3 s: lookups get half of that, the rest is Redis and the network. */
const LOOKUP_BUDGET_MS = 1_500;
/** Once the "Checking…" view is up, how long Slack may still take before the user is asked to submit again. */
const LATE_LOOKUP_BUDGET_MS = 20_000;

const DAMAGED = 'This form arrived in a shape I cannot read, so nothing was sent. Close it and run /offboard again.';
const TOO_SLOW = 'Slack took too long to tell me who the people in this request are, so nothing was sent. Submit again.';

type Outcome = Submitted | { kind: 'invalid'; errors: Record<string, string> };

/**
 * The request modal's submit. Errors go back into the modal when the checks finish within the
 * lookup budget; otherwise the modal shows "Checking…" at once and is updated with the outcome.
 * A request is stored only when valid, once per submission, and announced after the answer.
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
    if (!reading.ok) return ack(await errorsUnlessStored(deps, submission, reading.errors));
    const check = (budget: LookupBudget) => checkAndSubmit(deps, user.id, reading.form, submission, team?.domain, budget);

    // The people in the form were looked up as they were picked (commands/person-picked.ts): the
    // checks read those answers, and the store itself tells an earlier delivery of this submission.
    const quick = await withBudget(LOOKUP_BUDGET_MS, check);
    if (quick?.kind === 'invalid') return ack(await errorsUnlessStored(deps, submission, quick.errors));
    if (quick) {
      await ack({ response_action: 'update', view: outcomeView(quick, deps) });
      return announce(deps, quick, user.id);
    }

    await ack({ response_action: 'update', view: checkingView() });
    const late: Outcome = (await withBudget(LATE_LOOKUP_BUDGET_MS, check)) ?? { kind: 'invalid', errors: { [FIELDS.person]: TOO_SLOW } };
    // Another delivery of this submission is storing it and will show the outcome.
    if (late.kind === 'in_progress') return;
    // Announced first: the person may have closed the modal, and a stored request must reach the approvers anyway.
    await announce(deps, late, user.id);
    await client.views.update({
      view_id: view.id,
      view: late.kind === 'invalid' ? requestModal({ answers: reading.form, problems: late.errors }) : outcomeView(late, deps),
    });
  };
}

/**
 * The answer to a submission whose checks failed: its errors, unless an earlier delivery of the
 * same submission stored a request (or is storing one), which is then shown instead.
 */
async function errorsUnlessStored(deps: CommandDeps, submission: SubmissionKey, errors: Record<string, string>) {
  const earlier = await deps.lifecycle.submitted(submission);
  return earlier ? { response_action: 'update' as const, view: outcomeView(earlier, deps) } : { response_action: 'errors' as const, errors };
}

/** The checks and the store, with every Slack lookup under one budget; undefined when it ran out. */
async function withBudget(ms: number, check: (budget: LookupBudget) => Promise<Outcome>): Promise<Outcome | undefined> {
  const budget = lookupBudget(ms);
  try {
    return await check(budget);
  } catch (err) {
    if (err instanceof LookupTimeout) return undefined;
    throw err;
  } finally {
    budget.end();
  }
}

async function checkAndSubmit(
  deps: CommandDeps,
  requesterId: string,
  form: RequestForm,
  submission: SubmissionKey,
  teamDomain: string | undefined,
  budget: LookupBudget,
): Promise<Outcome> {
  const lookup = (id: string) => budget.run(deps.directory.person(id));
  // The checks below join these lookups rather than waiting in turn (and start again any that failed).
  lookUpEveryone(deps, requesterId, form);
  const requester = await lookup(requesterId);
  if (!requester) return { kind: 'invalid', errors: { [FIELDS.person]: 'Slack could not tell me who you are; try again.' } };
  const checked = await validateRequest(form, { requester, lookup, now: deps.now() });
  if (!checked.ok) return { kind: 'invalid', errors: checked.errors };
  const submitted = await deps.lifecycle.submit(checked.request, submission);
  if (submitted.kind === 'open') return { kind: 'invalid', errors: { [FIELDS.person]: openRequestNotice(submitted.request, teamDomain) } };
  return submitted;
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

/** Names the open request, with a link to its approval message when there is one. */
function openRequestNotice(r: OffboardRequest, teamDomain: string | undefined): string {
  const state = r.status === 'pending' ? 'waiting for approval' : 'approved and running';
  const link =
    r.approvalMessage && teamDomain ? ` See https://${teamDomain}.slack.com/archives/${r.approvalMessage.channel}/p${r.approvalMessage.ts.replace('.', '')}` : '';
  return `${r.subject.name} already has an open offboarding request, ${r.id} (${state}); it must be rejected or finished before another.${link}`;
}
