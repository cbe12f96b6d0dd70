import type { Job } from 'bullmq';
import type { PreviewItem } from '../src/audit/audit-event.js';
import type { Identity } from '../src/connectors/system.js';
import { requestJobDataSchema } from '../src/queue/queue-names.js';
import { mergePrivileges, type Privilege } from '../src/requests/privilege.js';
import { ownedCredentials } from '../src/runs/credential-owners.js';
import { identifyEverywhere } from '../src/runs/identities.js';
import type { RunDeps } from '../src/runs/run-deps.js';
import { runView } from '../src/runs/run-view.js';
import { createdChoiceOf } from '../src/runs/step-job.js';

/** What a preview uses: the request and its trail, every system with its client, Slack's view of the person, the approval message's refresh. */
export type PreviewDeps = Pick<RunDeps, 'store' | 'audit' | 'outbox' | 'systems' | 'plan' | 'directory'>;

/**
 * Before anyone approves: finds the person in every system and inventories every step in every
 * scope, read-only, so the approval message shows who will be affected and what they hold, or
 * that they were found nowhere (the wrong person, or another email), and what makes them privileged
 * (a bot credential they own, their power over the bot or the workspace). A system that cannot be
 * checked says why; it never blocks the approval.
 */
export async function processPreview(job: Job, deps: PreviewDeps): Promise<void> {
  const { requestId } = requestJobDataSchema.parse(job.data);
  const [request, trail] = await Promise.all([deps.store.mustGet(requestId), deps.audit.read(requestId)]);
  if (runView(trail).preview) return;
  const person = { requestId, slackUserId: request.subject.slackUserId, email: request.subject.email };
  const found: { system: string; title: string; identities: Identity[] }[] = [];
  const owned: Privilege[] = [];
  const items = (
    await Promise.all(
      deps.plan.map(async (system): Promise<PreviewItem[]> => {
        const connected = deps.systems.get(system.id);
        // A step a run would never plan here (unavailable as configured) is not shown as "0 found" either.
        const steps = system.scopes.flatMap((scope) => system.steps.filter((step) => system.phasesOf(step, scope).length > 0).map((step) => ({ step, scope })));
        let identities: Identity[];
        try {
          if (!connected) throw new Error(`${system.title} is switched off in the worker's configuration`);
          identities = await identifyEverywhere(connected, person, []);
          found.push({ system: system.id, title: system.title, identities });
          owned.push(...(await ownedCredentials(connected, identities)).map((o) => o.privilege));
        } catch (err) {
          return steps.map(({ step, scope }) => ({ ref: step.ref(scope), found: [], error: (err as Error).message }));
        }
        return Promise.all(
          steps.map(async ({ step, scope }): Promise<PreviewItem> => {
            const ref = step.ref(scope);
            // A task has nothing to list: the approvers are told what will be asked, and of whom.
            if (step.task) return { ref, found: [], task: step.task.instructions };
            try {
              const ctx = { requestId, scope, transactionId: `offboard-${requestId}-preview`, person, identities, lastUse: true, ...createdChoiceOf(request) };
              const { found, note, unchecked } = await step.capabilities(deps, scope).inventory(ctx);
              return { ref, found, note, ...(unchecked !== undefined ? { unchecked } : {}) };
            } catch (err) {
              return { ref, found: [], error: (err as Error).message };
            }
          }),
        );
      }),
    )
  ).flat();
  const privileges = mergePrivileges(owned, request.subject.slackUserId ? await deps.directory.privilegesOf(request.subject.slackUserId) : []);
  await deps.audit.append(requestId, { type: 'request.previewed', items, identities: found, privileges });
  await deps.outbox.refreshApproval(requestId);
}
