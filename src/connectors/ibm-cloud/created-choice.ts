import type { Change, Finding, StepContext } from '../connector.js';
import { PermanentError } from '../step-errors.js';

/** True when the request chose to end what the person created (by the delete phase at the latest); otherwise the steps keep it. */
export const endsCreated = (ctx: StepContext): boolean => ctx.created?.choice === 'disable' || ctx.created?.choice === 'delete';

/**
 * True when what the person created stops working at the disable phase: the request chose Disable.
 * Delete leaves it working through the grace period and deletes it at the delete phase.
 */
export const disablesCreated = (ctx: StepContext): boolean => ctx.created?.choice === 'disable';

/** What is left working, and why: handed over to the successor, kept until its deletion, or nobody chose to end it. */
export function kept(ctx: StepContext, item: Pick<Finding, 'id' | 'label'>): Change {
  const why =
    ctx.created?.choice === 'hand_over'
      ? `handed over to ${ctx.created.successor ?? 'the successor'}; left working`
      : ctx.created?.choice === 'delete'
        ? 'left working through the grace period, as the request chose Delete: deleted with its service ID when the grace period ends'
        : 'left working: the request does not say what happens to what they created';
  return { id: item.id, label: item.label, outcome: 'kept', detail: why };
}

/** The bot's own key is never disabled or deleted, even on a service ID the person created: the step refuses that item. */
export function ownKeyRefusal(what: string): PermanentError {
  return new PermanentError(
    `${what} the API key the bot runs as (IBMCLOUD_API_KEY), so it was left working: give the bot a key on another service ID or user, then retry the failed steps`,
  );
}
