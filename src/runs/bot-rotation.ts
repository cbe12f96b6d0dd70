import type { RotateAction } from '../connectors/connector.js';
import { stepId as stepIdOf } from '../connectors/step-ref.js';
import { PermanentError, RetryableError } from '../connectors/step-errors.js';
import type { RotationJobData } from '../queue/queue-names.js';
import { escapeText, slackDate, user } from '../slack/blocks/block-kit.js';
import { consoleLink } from '../slack/blocks/rotation-tasks.js';
import { rotationCode, rotationTasks, type RotationTask } from './handed-over.js';
import type { RunDeps } from './run-deps.js';
import { rotationKey, runView, type BotRotation, type RunView } from './run-view.js';

/** What the bot's rotation work uses: the request and its trail, the systems with their clients, and Slack output. */
export type RotationWorkDeps = Pick<RunDeps, 'store' | 'audit' | 'outbox' | 'systems' | 'plan' | 'evidence'>;

/** The replacement's name: fixed by the request and the task, so a retry finds the one an earlier attempt made. */
export const replacementName = (requestId: string, code: string) => `offboard-rotation-${requestId}-${code}`;

/** The transaction id of the bot's rotation work on one task: the same for each attempt, so IBM's logs group them. */
export const rotationTransactionId = (requestId: string, code: string) => `offboard-${requestId}-rotate-${code}`;

/** The rotation capability of the step that kept the credential, in its scope. */
function rotateActionOf(deps: Pick<RunDeps, 'systems' | 'plan'>, stepId: string): RotateAction {
  for (const system of deps.plan)
    for (const scope of system.scopes)
      for (const step of system.steps) {
        if (stepIdOf(step.ref(scope)) !== stepId) continue;
        const rotate = step.capabilities(deps, scope).rotate;
        if (!rotate) throw new PermanentError(`${step.title} cannot rotate what it hands over`);
        return rotate;
      }
  throw new PermanentError(`step ${stepId} is not configured in this worker: its system or scope was switched off since`);
}

/**
 * One piece of the bot's rotation of a handed-over credential, as a job: `replace` makes the
 * replacement (once: the trail says whether it was made, the system finds one an earlier attempt
 * made), `retire` follows a Switched: the old credential is read with its last use first; used
 * after the replacement was made, nothing is disabled and the successor and whoever clicked are
 * told; otherwise it is disabled and read back until it shows disabled. A failure that retrying
 * cannot help (or the last retry) is recorded and said, and asking again tries again.
 */
export async function runRotationWork(data: RotationJobData, deps: RotationWorkDeps, lastAttempt: boolean): Promise<void> {
  try {
    await rotationWork(data, deps);
  } catch (err) {
    if (err instanceof RetryableError && !lastAttempt) throw err;
    const { requestId, stepId, itemId, work } = data;
    await deps.audit.append(requestId, { type: 'rotation.failed', stepId, itemId, work, error: (err as Error).message });
    await deps.outbox.refreshChecklist(requestId);
  }
}

async function rotationWork({ requestId, stepId, itemId, work, attempt }: RotationJobData, deps: RotationWorkDeps): Promise<void> {
  const [request, trail] = await Promise.all([deps.store.mustGet(requestId), deps.audit.read(requestId)]);
  const view = runView(trail);
  const key = rotationKey(stepId, itemId);
  const task = rotationTasks(view).find((t) => t.stepId === stepId && t.id === itemId);
  const bot = view.botRotations.get(key);
  if (!task || !bot) return;
  const code = rotationCode(stepId, itemId);
  const rotate = rotateActionOf(deps, stepId);
  const tx = rotationTransactionId(requestId, code);
  const successor = request.successorSlackUserId ?? bot.requested.actor;
  if (work === 'replace') {
    if (bot.replaced) return;
    const made = await rotate.replace(itemId, replacementName(requestId, code), tx);
    const stated = await deps.audit.appendOnce(requestId, `rotation-replaced:${key}`, {
      type: 'rotation.replaced',
      stepId,
      itemId,
      replacementId: made.id,
      replacementName: made.name,
      replacementCreatedAt: made.createdAt,
      ...(made.link ? { link: made.link } : {}),
    });
    if (stated) {
      await deps.outbox.notify(
        requestId,
        `rotation-replaced-${code}`,
        successor,
        `:key: As ${user(bot.requested.actor)} asked, I made a replacement for *${escapeText(task.label)}* (\`${escapeText(task.id)}\`), ${escapeText(task.where)}: *${escapeText(made.name)}* (\`${escapeText(made.id)}\`). Its secret is not sent in Slack: ${consoleLink(made.link, 'collect it in the console')}, switch what uses the old one to it, then click *Switched* on the checklist of *${escapeText(requestId)}*. I disable the old one only then.`,
      );
    }
    await deps.outbox.refreshChecklist(requestId);
    return;
  }
  const n = attempt ?? 1;
  // Retired already: a try that died after recording it asks for the new pack again (one job per closing).
  if (bot.retired) return deps.evidence.rotationClosed(requestId);
  if (!bot.replaced || bot.holds.some((h) => h.attempt === n)) return;
  const now = await rotate.read(itemId);
  if (now && !now.disabled) {
    if (now.lastUsed && Date.parse(now.lastUsed) > Date.parse(bot.replaced.replacementCreatedAt)) {
      await hold(requestId, task, bot, n, now.lastUsed, deps);
      return;
    }
    await rotate.disable(itemId, tx);
    const after = await rotate.read(itemId);
    if (after && !after.disabled) throw new RetryableError(`${task.label} (${task.id}) does not show disabled yet; reading it back again`);
  }
  await deps.audit.appendOnce(requestId, `rotation-retired:${key}`, {
    type: 'rotation.retired',
    stepId,
    itemId,
    attempt: n,
    ...(now ? {} : { detail: 'no longer exists: nothing left to disable' }),
  });
  // A pack stored before the bot closed the task does not show it: a new one is made from the whole trail.
  await deps.evidence.rotationClosed(requestId);
  // Switched after the deletion began: the delete phase has come for it already.
  if (view.rounds.some((r) => r.phase === 'delete')) await deleteOld(requestId, task, rotate, deps);
  await deps.outbox.refreshChecklist(requestId);
}

async function hold(requestId: string, task: RotationTask, bot: BotRotation, attempt: number, lastUsed: string, deps: RotationWorkDeps): Promise<void> {
  const key = rotationKey(task.stepId, task.id);
  const held = await deps.audit.appendOnce(requestId, `rotation-held:${key}:${attempt}`, {
    type: 'rotation.held',
    stepId: task.stepId,
    itemId: task.id,
    attempt,
    lastUsed,
  });
  if (held) {
    const request = await deps.store.mustGet(requestId);
    const switcher = bot.switches.find((s) => s.attempt === attempt)?.actor;
    const text = `:warning: *${escapeText(task.label)}* (\`${escapeText(task.id)}\`) signed in ${slackDate(lastUsed)}, after its replacement *${escapeText(bot.replaced!.replacementName)}* was made: something still uses the old one, so I disabled nothing. Switch that too, then click *Switched* again on the checklist of *${escapeText(requestId)}*.`;
    const told = new Set([request.successorSlackUserId, switcher].filter((u): u is string => !!u));
    for (const userId of told) await deps.outbox.notify(requestId, `rotation-held-${rotationCode(task.stepId, task.id)}-${attempt}-${userId}`, userId, text);
  }
  await deps.outbox.refreshChecklist(requestId);
}

async function deleteOld(requestId: string, task: RotationTask, rotate: RotateAction, deps: Pick<RunDeps, 'audit'>): Promise<void> {
  const removed = await rotate.remove(task.id, rotationTransactionId(requestId, task.code));
  if (await rotate.read(task.id)) throw new RetryableError(`${task.label} (${task.id}) is still there after its deletion; reading it back again`);
  await deps.audit.appendOnce(requestId, `rotation-deleted:${rotationKey(task.stepId, task.id)}`, {
    type: 'rotation.deleted',
    stepId: task.stepId,
    itemId: task.id,
    ...(removed ? {} : { detail: 'already gone' }),
  });
}

/**
 * At the delete phase: every credential the bot disabled for a rotation is deleted and read back
 * (gone). One whose system cannot be asked any more is recorded as failed, not passed off as deleted.
 */
export async function deleteRotatedCredentials(requestId: string, view: RunView, deps: Pick<RunDeps, 'audit' | 'systems' | 'plan'>): Promise<void> {
  for (const task of rotationTasks(view).filter((t) => t.bot?.retired && !t.bot.deleted)) {
    let rotate: RotateAction;
    try {
      rotate = rotateActionOf(deps, task.stepId);
    } catch (err) {
      await deps.audit.appendOnce(requestId, `rotation-delete-failed:${rotationKey(task.stepId, task.id)}`, {
        type: 'rotation.failed',
        stepId: task.stepId,
        itemId: task.id,
        work: 'delete',
        error: (err as Error).message,
      });
      continue;
    }
    await deleteOld(requestId, task, rotate, deps);
  }
}
