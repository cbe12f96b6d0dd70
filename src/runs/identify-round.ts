import type { CredentialOwner, Identity } from '../connectors/system.js';
import { PermanentError, RateLimitedError, RetryableError } from '../connectors/step-errors.js';
import type { IdentifyProgress } from '../queue/queue-names.js';
import { refuseCredentialOwners } from './credential-owners.js';
import { NotDueError } from './not-due-error.js';
import type { RunDeps } from './run-deps.js';
import { earlierIdentities, identifiedSystems, roundOf, runView, systemsOf } from './run-view.js';

/**
 * What the attempts of one identification have learned so far, kept where a retry finds it (the
 * job's data): each scope's identities and each system's credential owners are asked once, so
 * a fault costs one question again, never the whole identification.
 */
export interface IdentifyMemory {
  known: IdentifyProgress;
  keep(progress: IdentifyProgress): Promise<void>;
}

/** What identifying a round uses: the request and its trail, the systems' clients, then the round's steps and its checklist. */
export type IdentifyDeps = Pick<RunDeps, 'store' | 'audit' | 'systems' | 'runs' | 'outbox'>;

/**
 * Finds the person in every scope of every system of the round, once, and records what was found
 * per system; then the round's steps are enqueued, each working on these identities. A system that
 * cannot be asked (switched off, refused, still failing on the last attempt) is recorded as such
 * and its steps fail with the reason: never a clean "nothing found".
 */
export async function identifyRound(requestId: string, round: number, lastAttempt: boolean, deps: IdentifyDeps, memory: IdentifyMemory): Promise<void> {
  const read = await Promise.all([deps.store.mustGet(requestId), deps.audit.read(requestId)]);
  let request = read[0];
  const trail = read[1];
  if (round === 1 && !request.runStartedAt) {
    // A start left from before a reschedule to later: it waits for the new time, starting nothing now.
    const due = request.effectiveAt ? Date.parse(request.effectiveAt) : 0;
    if (request.status === 'approved' && due - Date.now() > EARLY_TOLERANCE_MS) throw new NotDueError(due);
    // The moment the approved run starts, recorded by the same compare-and-set a cancellation makes:
    // of the two, one wins, so a cancelled request never runs and a running one is never cancelled.
    const started = await deps.store.patch(requestId, { runStartedAt: new Date().toISOString() }, ['approved']);
    if (!started.applied) return;
    request = started.request;
    // The approval message offered Cancel while the run waited for its time: the button goes now.
    if (request.effectiveAt && request.decision && Date.parse(request.effectiveAt) > Date.parse(request.decision.at))
      await deps.outbox.refreshApproval(requestId);
  }
  const view = runView(trail);
  const planned = roundOf(view, round);
  if (!planned) throw new PermanentError(`round ${round} of ${requestId} is not planned`);
  const done = identifiedSystems(view, round);
  const person = { requestId, slackUserId: request.subject.slackUserId, email: request.subject.email };
  const progress: IdentifyProgress = { found: { ...memory.known.found }, owners: { ...memory.known.owners } };
  let learned = false;
  let retryable: RetryableError | undefined;
  for (const system of systemsOf(planned.steps).filter((s) => !done.has(s))) {
    const connected = deps.systems.get(system);
    if (!connected) {
      await deps.audit.appendOnce(requestId, once(round, system), {
        type: 'identities.failed',
        round,
        system,
        error: `${system} is switched off in the worker's configuration`,
      });
      continue;
    }
    const scopes = [...new Set(planned.steps.filter((s) => s.system === system).map((s) => s.scope))];
    const earlier = earlierIdentities(view, system, round);
    const asker = `${requestId}:identify.${system}:r${round}`;
    // Scopes side by side; each one answered is kept even when another fails.
    const answers = await Promise.allSettled(
      scopes
        .filter((scope) => !progress.found[scopeKey(system, scope)])
        .map(async (scope) => {
          const found = await connected.settings.identify(
            connected.client,
            person,
            scope,
            earlier.filter((e) => e.scope === scope),
            asker,
          );
          progress.found[scopeKey(system, scope)] = found;
          learned = true;
        }),
    );
    try {
      const failed = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected');
      if (failed) throw failed.reason;
      const identities = scopes.flatMap((scope) => progress.found[scopeKey(system, scope)] ?? []);
      let owners: CredentialOwner[] | undefined = progress.owners[system];
      if (!owners && connected.settings.credentialOwners && identities.length > 0) {
        owners = await connected.settings.credentialOwners(connected.client);
        progress.owners[system] = owners;
        learned = true;
      }
      await deps.audit.appendOnce(requestId, once(round, system), {
        type: 'identities.found',
        round,
        system,
        identities: await refuseCredentialOwners(connected, identities as Identity[], owners),
      });
    } catch (err) {
      // A budget wait or an account hold is never a last attempt: no call was made.
      if (err instanceof RetryableError && (!lastAttempt || err instanceof RateLimitedError)) {
        retryable ??= err;
        continue;
      }
      await deps.audit.appendOnce(requestId, once(round, system), { type: 'identities.failed', round, system, error: (err as Error).message });
    }
  }
  // What was learned stays for the next attempt; the systems recorded are not asked again at all.
  if (retryable) {
    if (learned) await memory.keep(progress);
    throw retryable;
  }
  await deps.runs.enqueueSteps(request, round, await deps.audit.read(requestId));
  await deps.outbox.refreshChecklist(requestId);
}

/** A start this much before its time (clocks of two machines) is on time. */
const EARLY_TOLERANCE_MS = 1_000;

/** Who the person is in a system is stated once per round, even when two executions of the job overlap. */
const once = (round: number, system: string) => `r${round}:identities:${system}`;

const scopeKey = (system: string, scope: string) => `${system}\u0000${scope}`;
