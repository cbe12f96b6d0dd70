import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Change, RevocationStep, StepContext } from '../connectors/connector.js';
import { NotConfirmedError } from '../connectors/step-errors.js';

export interface VerifyPolicy {
  /** Give up on the read-back after this long. */
  timeoutMs: number;
  /** First pause between read-backs; doubles up to 10 s. */
  intervalMs: number;
}

/**
 * Inventory, revoke, then read the system back until it confirms the change. Every phase is
 * written to the audit trail as it happens. Safe to run again: a retry re-inventories, and
 * what is already gone is recorded as already absent.
 */
export async function runStep(
  step: RevocationStep,
  ctx: StepContext & { stepId: string },
  audit: AuditTrail,
  verify: VerifyPolicy,
  now: () => number = Date.now,
): Promise<void> {
  const { found, note, identity } = await step.inventory(ctx);
  await audit.append(ctx.requestId, { type: 'step.inventoried', stepId: ctx.stepId, found, note, identity });

  // What was changed is recorded even when a later item fails, so the evidence never misses a removal.
  const changes: Change[] = [];
  let failure: unknown;
  try {
    for await (const change of step.revoke(ctx, found)) changes.push(change);
  } catch (err) {
    failure = err;
  }
  if (!failure || changes.length > 0) {
    await audit.append(ctx.requestId, { type: 'step.acted', stepId: ctx.stepId, transactionId: ctx.transactionId, changes });
  }
  if (failure) throw failure;

  const started = now();
  let pause = verify.intervalMs;
  for (let checks = 1; ; checks++) {
    const readBack = await step.readBack(ctx, found);
    if (readBack.confirmed) {
      await audit.append(ctx.requestId, {
        type: 'step.verified',
        stepId: ctx.stepId,
        checks,
        firstConfirmedAt: new Date(now()).toISOString(),
        elapsedMs: now() - started,
      });
      return;
    }
    const waited = now() - started;
    if (waited + pause > verify.timeoutMs) {
      const still = readBack.remaining.map((f) => `${f.label} (${f.id})`).join(', ');
      throw new NotConfirmedError(`not confirmed: after ${checks} read-backs over ${Math.round(waited / 1000)} s the system still shows ${still}`);
    }
    await sleep(pause);
    pause = Math.min(pause * 2, 10_000);
  }
}
