import { createHash } from 'node:crypto';
import { itemKey } from '../connectors/connector.js';
import { scopeLabel, systemTitle } from '../connectors/step-ref.js';
import { rotationKey, type BotRotation, type RunView, type TrailRecord } from './run-view.js';

/** One item the person created and the run left working for their successor, as its step found it. */
export interface HandedOverItem {
  /** The system and where in it, as the checklist names them: "<system> account a1b2…". */
  where: string;
  label: string;
  id: string;
  lastUsed?: string;
  useCount?: number;
  /** Where the successor manages it, in the system's console. */
  link?: string;
}

/** A handed-over credential whose secret the person made or has seen: the successor rotates it. */
export interface RotationTask extends HandedOverItem {
  stepId: string;
  /** What the task's buttons carry: short, and the same for the task on every render. */
  code: string;
  /** How it was closed by a person, once it was. */
  closed?: TrailRecord<'rotation.closed'>;
  /** Where the bot's rotation stands, once someone asked for it (Rotate for me). */
  bot?: BotRotation;
}

/** Still to do: nobody closed it, and the bot has not (yet) disabled the old credential. */
export const isOpenTask = (t: Pick<RotationTask, 'closed' | 'bot'>): boolean => !t.closed && !t.bot?.retired;

/** How many rotation tasks the trail shows closed (by a person, or rotated by the bot): what names a closing's new pack. */
export const closedTaskCount = (view: RunView): number => rotationTasks(view).filter((t) => !isOpenTask(t)).length;

/**
 * Everything the run's removing phases kept on purpose (`kept`: left working for the successor),
 * each once however many phases and rounds kept it, with its last use and console link from what
 * the step found. Nothing a reinstatement did counts: it hands nothing over.
 */
export function handedOverItems(view: RunView): HandedOverItem[] {
  return keptItems(view).map(({ stepId: _stepId, rotate: _rotate, ...item }) => item);
}

/** The handed-over credentials to rotate, in the order they were kept, each with how it was closed. */
export function rotationTasks(view: RunView): RotationTask[] {
  return keptItems(view)
    .filter((item) => item.rotate)
    .map(({ rotate: _rotate, ...item }) => {
      const closed = view.rotations.get(rotationKey(item.stepId, item.id));
      const bot = view.botRotations.get(rotationKey(item.stepId, item.id));
      return { ...item, code: rotationCode(item.stepId, item.id), ...(closed ? { closed } : {}), ...(bot ? { bot } : {}) };
    });
}

/** Twelve hex characters naming a rotation task in a button's value (an item id may hold any character). */
export const rotationCode = (stepId: string, itemId: string) => createHash('sha256').update(rotationKey(stepId, itemId)).digest('hex').slice(0, 12);

function keptItems(view: RunView): (HandedOverItem & { stepId: string; rotate: boolean })[] {
  const items = new Map<string, HandedOverItem & { stepId: string; rotate: boolean }>();
  for (const step of view.steps) {
    if (step.phase === 'reinstate') continue;
    const found = new Map((step.found ?? []).map((f) => [itemKey(f), f]));
    for (const change of step.changes ?? []) {
      const key = rotationKey(step.id, itemKey(change));
      if (change.outcome !== 'kept' || items.has(key)) continue;
      const seen = found.get(itemKey(change));
      items.set(key, {
        stepId: step.id,
        rotate: seen?.rotate === true,
        where: `${systemTitle(step.ref)} ${scopeLabel(step.ref)}`,
        label: change.label,
        id: change.id,
        ...(seen?.lastUsed ? { lastUsed: seen.lastUsed } : {}),
        ...(seen?.useCount !== undefined ? { useCount: seen.useCount } : {}),
        ...(seen?.link ? { link: seen.link } : {}),
      });
    }
  }
  return [...items.values()];
}
