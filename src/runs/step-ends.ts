import type { RunDeps } from './run-deps.js';

type EndDeps = Pick<RunDeps, 'audit' | 'outbox'>;

/**
 * A step's end stated from its one listing: verified by it (nothing left to change there: no
 * read-back of its own, `by: 'listing'`, confirmed as of `listedAt`, when that listing was read,
 * which may be a shared one read before the step asked), or not checked when it could not look
 * (with why; nothing verified, nothing retried: the cause is configuration). Once a round
 * (`once`), then the checklist is refreshed.
 */
export async function endByListing(
  deps: EndDeps,
  ctx: { requestId: string; stepId: string },
  once: string,
  end: { unchecked: string } | { listedAt: number },
): Promise<void> {
  await deps.audit.appendOnce(
    ctx.requestId,
    `${once}:ended`,
    'unchecked' in end
      ? { type: 'step.unchecked', stepId: ctx.stepId, reason: end.unchecked }
      : { type: 'step.verified', stepId: ctx.stepId, by: 'listing', checks: 0, firstConfirmedAt: new Date(end.listedAt).toISOString(), elapsedMs: 0 },
  );
  await deps.outbox.refreshChecklist(ctx.requestId, { progress: true });
}
