import type { Phase, RescanFinding } from '../audit/audit-event.js';
import { readingFresh } from '../connectors/read-fresh.js';
import { itemKey, settles } from '../connectors/connector.js';
import { stepId } from '../connectors/step-ref.js';
import { RetryableError } from '../connectors/step-errors.js';
import { identifyEverywhere } from './identities.js';
import type { RunDeps } from './run-deps.js';
import { earlierIdentities, runView } from './run-view.js';
import { createdChoiceOf } from './step-job.js';
import { rescanAlertText } from '../slack/blocks/rescan-alert.js';

/** A job id per request, phase and interval: scheduling twice changes nothing, and a reinstatement cancels them by id. */
/** What a re-scan uses: the request and its trail, every system as a run covers it with its client, the alert and its metric. */
export type RescanDeps = Pick<RunDeps, 'store' | 'audit' | 'outbox' | 'systems' | 'plan' | 'metrics'>;

export const rescanJobId = (requestId: string, phase: Phase, afterMs: number) => `${requestId}.rescan.${phase}.${afterMs}`;

/** The transaction id a re-scan's calls carry (it changes nothing; it only reads). */
export const rescanTransactionId = (requestId: string) => `offboard-${requestId}-rescan`;

/**
 * Looks again, read-only, in every system and scope the phase covered, for what it had ended:
 * after a disable, anything but a disabled key (and the membership it keeps); after a delete,
 * anything at all; in both, an API key used after the phase finished, and a sign-in of the
 * person's own after it where the system keeps a record of sign-ins (`signInsSince`). Records the
 * result, clean or not, with what it could not check, and raises an alert for what came back.
 * Runs once per phase and interval.
 */
export async function rescan(requestId: string, phase: Phase, afterMs: number, deps: RescanDeps): Promise<void> {
  const [request, trail] = await Promise.all([deps.store.mustGet(requestId), deps.audit.read(requestId)]);
  const view = runView(trail);
  if (view.rescans.some((e) => e.phase === phase && e.afterMs === afterMs)) return;
  // The round is scheduled to be looked at before it has finished (its evidence, then the status
  // flip): a look due that early waits for it instead of being skipped for good. Any other status
  // is final for a disable: a reinstatement gave the access back on purpose, a deletion took over.
  if (phase === 'disable' && request.status === 'approved')
    throw new RetryableError(`${requestId} is still finishing its round; the re-scan after the disable phase waits for it`);
  if (phase === 'disable' && request.status !== 'disabled') return;
  const ended = view.finishes.at(-1);
  const endedAt = ended ? Date.parse(ended.at) : Date.now();
  const person = { requestId, slackUserId: request.subject.slackUserId, email: request.subject.email };
  const progress = view.steps.filter((s) => s.phase === phase || (phase === 'delete' && s.phase === 'disable'));
  const findings: RescanFinding[] = [];
  const unchecked: string[] = [];
  for (const system of deps.plan) {
    const connected = deps.systems.get(system.id);
    if (!connected) {
      unchecked.push(`${system.title}: switched off in this worker`);
      continue;
    }
    let identities;
    try {
      const known = earlierIdentities(view, system.id, Number.MAX_SAFE_INTEGER);
      identities = await identifyEverywhere(connected, person, known);
    } catch (err) {
      unchecked.push(`${system.title}: ${(err as Error).message}`);
      continue;
    }
    for (const scope of system.scopes) {
      // Steps of a later phase (deleting the service IDs the person created) are looked at too, for what was made since.
      for (const step of system.steps.filter(
        (s) => !s.reportsResidual && !s.task && !s.attestItems && (system.phasesOf(s, scope).includes(phase) || system.phasesOf(s, scope).includes('delete')),
      )) {
        const inPhase = system.phasesOf(step, scope).includes(phase);
        const id = stepId(step.ref(scope));
        const ctx = { requestId, scope, transactionId: rescanTransactionId(requestId), person, identities, lastUse: true, ...createdChoiceOf(request) };
        const capabilities = step.capabilities(deps, scope);
        // The person's own sign-ins after access was removed, where the system keeps a record of them.
        if (capabilities.signInsSince) {
          try {
            const signIns = await capabilities.signInsSince(ctx, new Date(endedAt).toISOString());
            if (signIns.unchecked) unchecked.push(`${step.title} in ${scope}: ${signIns.unchecked}`);
            for (const item of signIns.found) findings.push({ stepId: id, item, why: `signed in at ${item.lastUsed}, after access was removed` });
          } catch (err) {
            unchecked.push(`${step.title} in ${scope}: sign-ins not checked: ${(err as Error).message}`);
          }
        }
        let found;
        try {
          // Read as the system is now: a listing shared from before could hide what was made since.
          const inventory = await readingFresh(() => capabilities.inventory(ctx));
          // Could not look there: not checked, never "nothing came back".
          if (inventory.unchecked !== undefined) {
            unchecked.push(`${step.title} in ${scope}: ${inventory.unchecked}`);
            continue;
          }
          ({ found } = inventory);
        } catch (err) {
          unchecked.push(`${step.title} in ${scope}: ${(err as Error).message}`);
          continue;
        }
        const settled = progress.filter((p) => p.id === id).flatMap((p) => (p.changes ?? []).filter(settles));
        const ended = new Set(settled.filter((c) => c.outcome !== 'kept').map(itemKey));
        // Left working on purpose (handed over to the successor): neither its use nor its presence is a finding.
        const kept = new Set(settled.filter((c) => c.outcome === 'kept').map(itemKey));
        for (const item of found) {
          const madeAfter = item.createdAt !== undefined && Date.parse(item.createdAt) > endedAt;
          const usedAfter = item.lastUsed !== undefined && Date.parse(item.lastUsed) > endedAt;
          const made = { stepId: id, item, why: `${step.title}: made at ${item.createdAt}, after access was removed` };
          const used = { stepId: id, item, why: `used at ${item.lastUsed}, after access was removed` };
          // Listed and left as it is (a key the person made on someone else's service ID): what was made
          // since is a finding, and its use since unless it was handed over.
          if (step.recordsOnly) {
            if (madeAfter) findings.push(made);
            else if (usedAfter && request.createdItems !== 'hand_over') findings.push(used);
            continue;
          }
          if (kept.has(itemKey(item)) && !ended.has(itemKey(item))) continue;
          // What someone else made on what was handed over (the successor rotating a key) is theirs.
          if (request.createdItems === 'hand_over' && item.createdBy && !identities.some((i) => i.id === item.createdBy)) continue;
          if (!inPhase) {
            if (madeAfter) findings.push(made);
            continue;
          }
          if (usedAfter) findings.push(used);
          if (phase === 'disable' && item.state === 'disabled') continue;
          findings.push({
            stepId: id,
            item,
            why: ended.has(itemKey(item))
              ? `${step.title}: ended by this offboarding, and there again`
              : madeAfter
                ? made.why
                : `${step.title}: new since this offboarding`,
          });
        }
      }
    }
  }
  const done = await deps.audit.appendOnce(requestId, `rescan:${phase}:${afterMs}`, { type: 'rescan.done', phase, afterMs, findings, unchecked });
  // Another execution of this job recorded (and alerted) it first.
  if (!done) return;
  await deps.store.patch(requestId, { lastRescan: { at: done.at, phase, findings: findings.length } });
  for (const f of findings) deps.metrics.rescanAlerts.inc({ system: f.stepId.split('.')[0]! });
  if (findings.length > 0) {
    await deps.outbox.alert(requestId, `rescan-${phase}-${afterMs}`, rescanAlertText({ id: requestId, subject: request.subject }, phase, afterMs, findings));
  }
  await deps.outbox.refreshChecklist(requestId);
}
