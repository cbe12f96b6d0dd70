import type { AuditTrail } from '../audit/audit-trail.js';
import type { RunStarter } from '../runs/run-starter.js';
import { escapeText, slackDate } from '../slack/blocks/block-kit.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';
import type { PendingTimers } from './pending-timers.js';
import type { OffboardRequest } from './request.js';

export interface AskAgainDeps {
  audit: AuditTrail;
  runs: Pick<RunStarter, 'unschedule'>;
  timers: PendingTimers;
  outbox: SlackOutbox;
}

/**
 * What follows an approved request moved back to pending (its requester rescheduled it before its
 * run started; `request.reasked` stored with that move): the trail records it, which voids the
 * approval and the run planned for it; the run's scheduled start is removed (one left behind finds
 * the request pending, or not yet due, and starts nothing); the reminders start again from the new
 * asking; the approval message offers Approve again and the approvers are told in its thread.
 * Every step is idempotent, so the reconciler does them again for a request a crash cut short.
 */
export async function askAgain(deps: AskAgainDeps, request: OffboardRequest, actorId: string): Promise<void> {
  const reasked = request.reasked;
  if (!reasked) return;
  await deps.audit.appendOnce(request.id, `reasked:${reasked.count}`, {
    type: 'request.rescheduled',
    actor: actorId,
    from: reasked.from,
    to: request.effectiveAt,
    state: 'scheduled',
  });
  await deps.runs.unschedule(request.id);
  await deps.timers.start(request);
  await deps.outbox.refreshApproval(request.id);
  await deps.outbox.refreshChecklist(request.id);
  const when = request.effectiveAt ? slackDate(request.effectiveAt) : 'as soon as approved';
  await deps.outbox.alert(
    request.id,
    `reasked-${reasked.count}`,
    `:calendar: *${request.id}* (${escapeText(request.subject.name)}) was rescheduled by <@${actorId}> before its run started: access now ends ${when}. The earlier approval no longer counts; it needs approval again.`,
  );
}
