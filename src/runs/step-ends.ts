import type { RunDeps } from './run-deps.js';

type EndDeps = Pick<RunDeps, 'audit' | 'outbox'>;

/**
 * A step's end stated from its one listing: verified by it (nothing left to change there), or not
 * checked when it could not look (with why; nothing verified, nothing retried: the cause is
 * configuration). Once a round (`once`), then the checklist is refreshed.
 */
export async function endByListing(deps: EndDeps, ctx: { requestId: string; stepId: string }, once: string, end: { unchecked?: string } = {}): Promise<void> {
  await deps.audit.appendOnce(
    ctx.requestId,
    `${once}:ended`,
    end.unchecked !== undefined
      ? { type: 'step.unchecked', stepId: ctx.stepId, reason: end.unchecked }
      : { type: 'step.verified', stepId: ctx.stepId, checks: 1, firstConfirmedAt: new Date().toISOString(), elapsedMs: 0 },
  );
  await deps.outbox.refreshChecklist(ctx.requestId, { progress: true });
}
