import { PermanentError, RateLimitedError, RetryableError } from '../connectors/step-errors.js';
import { refuseCredentialOwners } from './credential-owners.js';
import { earlierIdentities, identifiedSystems } from './identities.js';
import type { RunDeps } from './run-deps.js';
import { plannedRound, systemsOf } from './run-starter.js';

/**
 * Finds the person in every system of the round, once, and records what was found; then the
 * round's steps are enqueued, each working on these identities. A system that cannot be asked
 * (switched off, refused, still failing on the last attempt) is recorded as such and its steps
 * fail with the reason: never a clean "nothing found".
 */
export async function identifyRound(requestId: string, round: number, lastAttempt: boolean, deps: RunDeps): Promise<void> {
  let [request, trail] = await Promise.all([deps.store.mustGet(requestId), deps.audit.read(requestId)]);
  if (round === 1 && !request.runStartedAt) {
    // The moment the approved run starts, recorded by the same compare-and-set a cancellation makes:
    // of the two, one wins, so a cancelled request never runs and a running one is never cancelled.
    const started = await deps.store.patch(requestId, { runStartedAt: new Date().toISOString() }, ['approved']);
    if (!started.applied) return;
    request = started.request;
    // The approval message offered Cancel while the run waited for its time: the button goes now.
    if (request.effectiveAt && request.decision && Date.parse(request.effectiveAt) > Date.parse(request.decision.at))
      await deps.outbox.refreshApproval(requestId);
  }
  const planned = plannedRound(trail, round);
  if (!planned) throw new PermanentError(`round ${round} of ${requestId} is not planned`);
  const done = identifiedSystems(trail, round);
  const person = { requestId, slackUserId: request.subject.slackUserId, email: request.subject.email };
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
    try {
      const found = await connected.settings.identify(
        connected.client,
        person,
        earlierIdentities(trail, system, round),
        `${requestId}:identify.${system}:r${round}`,
      );
      const identities = await refuseCredentialOwners(connected, found);
      await deps.audit.appendOnce(requestId, once(round, system), { type: 'identities.found', round, system, identities });
    } catch (err) {
      // A budget wait is never a last attempt: no call was made.
      if (err instanceof RetryableError && (!lastAttempt || err instanceof RateLimitedError)) {
        retryable ??= err;
        continue;
      }
      await deps.audit.appendOnce(requestId, once(round, system), { type: 'identities.failed', round, system, error: (err as Error).message });
    }
  }
  // The systems found so far stay recorded; only the rest are asked again.
  if (retryable) throw retryable;
  await deps.runs.enqueueSteps(request, round, await deps.audit.read(requestId));
  await deps.outbox.refreshChecklist(requestId);
}

/** Who the person is in a system is stated once per round, even when two executions of the job overlap. */
const once = (round: number, system: string) => `r${round}:identities:${system}`;
