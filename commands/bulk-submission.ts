import { createHash } from 'node:crypto';
import type { SlackViewMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { MAX_BATCH, type NewRequest, type OffboardRequest } from '../src/requests/request.js';
import type { SubmissionKey } from '../src/requests/request-lifecycle.js';
import { formProblems, validateRequest } from '../src/requests/validate-request.js';
import { checkingView } from '../src/slack/blocks/checking-view.js';
import { FIELDS } from '../src/slack/blocks/ids.js';
import { requestModal } from '../src/slack/blocks/request-modal.js';
import { approvalLink, bulkSubmittedView, type LeftOut } from '../src/slack/blocks/submitted-view.js';
import { lookupBudget, LookupTimeout } from '../src/slack/lookup-budget.js';
import type { RequestForm } from '../src/slack/request-form.js';
import type { CommandDeps } from './deps.js';

/** Looking up a hundred people takes Slack longer than one: the modal shows "Checking…" meanwhile. */
const BULK_LOOKUP_BUDGET_MS = 30_000;
const TOO_SLOW = 'Slack took too long to tell me who the people in this request are, so nothing was sent. Submit again.';

type Ack = SlackViewMiddlewareArgs['ack'];

/**
 * A request form naming others leaving with the person: one ordinary request per person (so each
 * keeps every guarantee a request has), all with the same answers and one batch id, which makes one
 * approval decide them all (RequestLifecycle.approve). Nothing is stored unless everyone passes; the
 * problems of each person are listed by name. Each request is stored once per submission (its own
 * key under it), so a replay of the submission stores only the ones a crash left out.
 */
export async function bulkSubmission(
  deps: CommandDeps,
  {
    ack,
    client,
    userId,
    submission,
    form,
    teamDomain,
  }: { ack: Ack; client: WebClient; userId: string; submission: SubmissionKey; form: RequestForm; teamDomain: string | undefined },
): Promise<void> {
  const problems = await formProblems(form, userId, deps.now());
  const others = form.othersIds ?? [];
  if (form.personId && others.includes(form.personId)) problems[FIELDS.others] = 'The person leaving is picked above; list only the others here.';
  if (others.length + (form.otherEmails?.length ?? 0) > MAX_BATCH - 1)
    problems[FIELDS.otherEmails] = `One request is for at most ${MAX_BATCH} people: the person and ${MAX_BATCH - 1} others, picked or typed.`;
  if (Object.keys(problems).length) return ack({ response_action: 'errors', errors: problems });
  await ack({ response_action: 'update', view: checkingView() });

  const checked = await checkEveryone(deps, userId, form).catch((err: unknown) => {
    if (err instanceof LookupTimeout) return { kind: 'invalid' as const, errors: { [FIELDS.others]: TOO_SLOW } };
    throw err;
  });
  if (checked.kind === 'invalid') {
    await show(deps, client, submission.viewId, userId, requestModal({ answers: form, problems: checked.errors }));
    return;
  }
  const batch = { id: batchId(submission), size: checked.requests.length };
  const stored: OffboardRequest[] = [];
  const alreadyOpen: LeftOut[] = [];
  for (const [i, request] of checked.requests.entries()) {
    const outcome = await deps.lifecycle.submit({ ...request, batch }, { viewId: submission.viewId, hash: `${submission.hash}.${i}` });
    if (outcome.kind === 'open') {
      // An approver is told which request it is, linked; anyone else only that one exists.
      const link = approvalLink(outcome.request?.approvalMessage, teamDomain);
      alreadyOpen.push({ name: request.subject.name, ...(outcome.approver ? { open: { id: outcome.id, ...(link ? { link } : {}) } } : {}) });
    } else if (outcome.kind === 'created' || outcome.kind === 'duplicate') {
      if (outcome.kind === 'created') await deps.lifecycle.announce(outcome.request);
      stored.push(outcome.request);
    }
  }
  deps.logger.info({ batch: batch.id, requests: stored.length, alreadyOpen: alreadyOpen.length, requester: userId }, 'bulk offboarding requested');
  await show(deps, client, submission.viewId, userId, bulkSubmittedView(stored, alreadyOpen, deps.approvalChannel));
}

/** A bulk request's id, the same for every delivery of its submission. */
function batchId({ viewId, hash }: SubmissionKey): string {
  return `BULK-${createHash('sha256').update(`${viewId}:${hash}`).digest('hex').slice(0, 8).toUpperCase()}`;
}

/**
 * Every person's request, validated as the single form validates one (the person first, then the
 * others in the order picked), with one Slack budget for all; a problem with one of the others is
 * shown on their field, naming them.
 */
async function checkEveryone(
  deps: CommandDeps,
  userId: string,
  form: RequestForm,
): Promise<{ kind: 'valid'; requests: NewRequest[] } | { kind: 'invalid'; errors: Record<string, string> }> {
  const budget = lookupBudget(BULK_LOOKUP_BUDGET_MS);
  try {
    const lookup = (id: string) => budget.run(deps.directory.person(id));
    const lookupEmail = (email: string) => budget.run(deps.directory.byEmail(email));
    const requester = await lookup(userId);
    if (!requester) return { kind: 'invalid', errors: { [FIELDS.person]: 'Slack could not tell me who you are; try again.' } };
    const forms = [
      form,
      ...(form.othersIds ?? []).map((id) => ({ ...form, personId: id, personEmail: undefined })),
      ...(form.otherEmails ?? []).map((email) => ({ ...form, personId: undefined, personEmail: email })),
    ];
    const checks = await Promise.all(forms.map((f) => validateRequest(f, { requester, lookup, lookupEmail, now: deps.now() })));
    const errors: Record<string, string> = {};
    const personal: string[] = [];
    for (const [i, c] of checks.entries()) {
      if (c.ok) continue;
      for (const [block, text] of Object.entries(c.errors)) {
        if (i === 0 || (block !== FIELDS.person && block !== FIELDS.personEmail)) errors[block] = text;
        else {
          // Named as Slack named them during the checks (answers are kept); the id when it knows nobody by it.
          const { personId, personEmail } = forms[i]!;
          const name = personId ? ((await lookup(personId).catch(() => undefined))?.name ?? personId) : personEmail;
          personal.push(`${name}: ${text}`);
        }
      }
    }
    if (personal.length) errors[FIELDS.others] = personal.join(' ');
    if (Object.keys(errors).length) return { kind: 'invalid', errors };
    return { kind: 'valid', requests: checks.flatMap((c) => (c.ok ? [c.request] : [])) };
  } finally {
    budget.end();
  }
}

async function show(deps: CommandDeps, client: WebClient, viewId: string, userId: string, view: Record<string, unknown>): Promise<void> {
  await client.views
    .update({ view_id: viewId, view: view as never })
    // Closed meanwhile, most likely: what was stored is announced all the same.
    .catch((err: Error) => deps.logger.warn({ err: err.message, user: userId }, 'could not show the outcome of a bulk request in its modal'));
}
