import type { Job } from 'bullmq';
import type { StepCapabilities, StepContext } from '../connectors/connector.js';
import { escapeText } from '../slack/blocks/block-kit.js';
import { APPROVERS_ONLY, itemsEnd, openItems } from './item-tasks.js';
import { currentPhaseSteps, runView } from './run-view.js';
import { endByListing } from './step-ends.js';
import { observingListings, readAtOf } from '../connectors/read-fresh.js';
import { remindAndPark, type TaskStepDeps } from './task-step.js';
import { stepJobDataSchema } from '../queue/queue-names.js';

/** Items named in an alert; the checklist lists every one. */
const NAMED = 5;

/**
 * One execution of the job of a step whose found items are each a task done outside the bot
 * (SystemStep.attestItems). Its first execution of a round lists the items (the step's inventory):
 * none is verified by that listing; otherwise they open as tasks, once a round, the list as first
 * recorded standing. Items attested in an earlier round (the disable phase) stay attested. While any
 * is open the job parks as a delayed job and reminds the approvers like a manual task; the desk
 * (TaskDesk) records each item first-writer-wins and, with the last one, the step's end, then
 * promotes the job, which finds the step ended and completes. Woken with every item attested but no
 * end recorded (the desk died in between), the job records the end itself.
 */
export async function processItemTasks(
  job: Job,
  token: string | undefined,
  deps: TaskStepDeps,
  {
    ctx,
    round,
    once,
    execution,
    resumed,
    instructions,
    capabilities,
  }: {
    ctx: StepContext & { stepId: string };
    round: number;
    once: string;
    execution: number;
    /** The execution goes on after a pause (`step.deferred`): its start is recorded already. */
    resumed: boolean;
    instructions: string;
    capabilities: StepCapabilities;
  },
): Promise<void> {
  const data = stepJobDataSchema.parse(job.data);
  const { requestId, stepId } = ctx;
  let opened = false;
  // Until the job first parks, the items are listed (again after a crash; the first list recorded stands).
  if (data.remindAt === undefined) {
    if (!resumed) await deps.audit.append(requestId, { type: 'step.started', stepId, attempt: execution });
    const looked = await observingListings(() => capabilities.inventory(ctx));
    const { found, note, unchecked } = looked.value;
    await deps.audit.append(requestId, { type: 'step.inventoried', stepId, found, note, ...(unchecked !== undefined ? { unchecked } : {}) });
    // Could not look in this scope: not checked, with why; nothing found: verified by that listing.
    if (unchecked !== undefined || found.length === 0)
      return endByListing(deps, ctx, once, unchecked !== undefined ? { unchecked } : { listedAt: readAtOf(looked) });
    const record = await deps.audit.appendOnce(requestId, `${once}:opened`, {
      type: 'task.opened',
      stepId,
      instructions,
      attesters: APPROVERS_ONLY,
      items: found,
    });
    opened = record !== undefined;
  }
  const step = currentPhaseSteps(runView(await deps.audit.read(requestId))).find((s) => s.id === stepId);
  const end = itemsEnd(stepId, step?.items ?? []);
  if (end) {
    await deps.audit.appendOnce(requestId, `${once}:ended`, end);
    await deps.outbox.refreshChecklist(requestId, { progress: true });
    return;
  }
  const open = step ? openItems(step) : [];
  const named = open
    .slice(0, NAMED)
    .map((i) => escapeText(i.label))
    .join('; ');
  const more = open.length > NAMED ? `; and ${open.length - NAMED} more` : '';
  const title = `*${escapeText(data.title)}*`;
  await remindAndPark(job, token, deps, {
    stepId,
    round,
    once,
    opened,
    opening: `Approvers: ${open.length} task(s) of ${title} wait for one of you in the checklist (${named}${more}): ${escapeText(instructions)} Attest each there, Done or Not applicable, once it is.`,
    reminder: (n) =>
      `Approvers: reminder ${n}: ${open.length} task(s) of ${title} are still open in the checklist (${named}${more}), and the offboarding waits for them.`,
  });
}
