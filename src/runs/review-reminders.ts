import { scopeLabel, systemTitle } from '../connectors/step-ref.js';
import { escapeText, slackDate } from '../slack/blocks/block-kit.js';
import type { RunDeps } from './run-deps.js';
import { awaitedReviews, runView } from './run-view.js';

/**
 * Calls on the approvers in the request's thread while the scheduled deletion still waits for a
 * review nobody has made (at the disable round's end, and a day before the deletion): unreviewed,
 * those steps fail at the deletion, saying why. Said once per `when`; nothing when all are made.
 */
export async function remindOfReviews(requestId: string, when: 'round-end' | 'day-before', deps: Pick<RunDeps, 'audit' | 'outbox'>): Promise<void> {
  const view = runView(await deps.audit.read(requestId));
  const deletion = view.deletions.at(-1);
  const missing = awaitedReviews(view).filter((r) => !r.last);
  if (!deletion || !missing.length) return;
  const what = missing.map(
    (r) => `*${escapeText(r.ref.review!.label.replace(/…$/, ''))}* (${escapeText(systemTitle(r.ref))}, ${escapeText(scopeLabel(r.ref))})`,
  );
  await deps.outbox.alert(
    requestId,
    `review-${when}`,
    `:mag: The deletion of *${requestId}*, due ${slackDate(deletion.deleteAt)}, needs an approver's review first: ${what.join('; ')}. Use the button in the checklist; unreviewed, ${missing.length === 1 ? 'that step fails' : 'those steps fail'} at the deletion and wait for a review and a retry.`,
  );
}
