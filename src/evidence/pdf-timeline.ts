import { describeWait } from '../requests/pending-timers.js';
import { describePrivileges } from '../requests/privilege.js';
import type { AuditRecord } from '../audit/audit-event.js';
import { recordsOf } from '../runs/run-view.js';
import { duration, isoTime, plural, truncate } from './format.js';
import type { PdfContext } from './pdf-context.js';

const ids = (items: Array<{ id: string }>) => items.map((i) => i.id).join(', ');

/** Who acted (a person) or what acted (a step). */
function subject(ctx: PdfContext, e: AuditRecord): string {
  if ('actor' in e && typeof e.actor === 'string') return ctx.person(e.actor);
  if ('stepId' in e && typeof e.stepId === 'string') return ctx.stepLabel(e.stepId);
  if ('system' in e && typeof e.system === 'string') return e.system;
  return 'system';
}

/**
 * One line saying what an event recorded. Event types added later print their fields under the
 * default branch, so the timeline never drops an entry it does not know yet.
 */
export function eventDetail(e: AuditRecord): string {
  switch (e.type) {
    case 'request.submitted':
      return `Request ${e.request.id} for ${e.request.subject.name} (${e.request.subject.email})`;
    case 'request.previewed': {
      const found = e.items.reduce((n, i) => n + i.found.length, 0);
      const errors = e.items.filter((i) => i.error).length;
      return `Read-only check before approval: ${plural(found, 'item')} found${errors ? `, ${plural(errors, 'step')} could not be checked` : ''}`;
    }
    case 'approval.refused':
      return `Refused to ${e.what ?? e.action}: ${e.reason}${e.repeats ? ` (${e.repeats} times)` : ''}`;
    case 'approval.recorded':
      return `One approval of the ${e.needed} needed${e.rule ? ` (rule ${e.rule})` : ''}${e.privileges.length ? `: the person ${describePrivileges(e.privileges)}` : ''}${e.digest ? `; terms SHA-256 ${e.digest}` : ''}`;
    case 'rejection.recorded':
      return `One rejection of the ${e.needed} that end it (rule ${e.rule}): ${e.reason}`;
    case 'request.approved':
      return `Approved${e.approvedBy ? ` by ${e.approvedBy.join(' and ')}` : ''}${e.rule ? ` under rule ${e.rule}` : ''}${e.approvers ? `; approvers at that moment: ${e.approvers.join(', ') || 'none'}` : ''}${e.digest ? `; terms SHA-256 ${e.digest}` : ''}`;
    case 'request.rejected':
      return `Rejected${e.rejectedBy ? ` by ${e.rejectedBy.join(' and ')}` : ''}: ${e.reason}`;
    case 'request.cancelled':
      return `Cancelled while ${e.state.replace('_', ' ')}: ${e.reason}`;
    case 'request.rescheduled':
      return `Access to end ${e.to ? `at ${isoTime(e.to)}` : 'at approval'} instead of ${e.from ? isoTime(e.from) : 'at approval'}; approvals asked again`;
    case 'request.reminded':
      return `Approvers reminded (reminder ${e.reminder})`;
    case 'request.escalated':
      return `Escalated to ${e.to}`;
    case 'request.expired':
      return `Expired: no decision within ${describeWait(e.afterMs)}`;
    case 'run.planned':
      return `Round ${e.round}${e.phase ? ` (${e.phase})` : ''}: ${plural(e.steps.length, 'step')} planned, start at ${isoTime(e.startsAt)}`;
    case 'step.started':
      return `Attempt ${e.attempt}`;
    case 'step.inventoried':
      if (e.unchecked !== undefined) return `Could not look: ${e.unchecked}`;
      return e.found.length ? `Found ${e.found.length}: ${ids(e.found)}` : `Nothing found${e.note ? `: ${e.note}` : ''}`;
    case 'step.acting':
      return `Transaction ${e.transactionId}; acting on ${plural(e.itemIds.length, 'item')}: ${e.itemIds.join(', ')}`;
    case 'step.acted':
      return `Transaction ${e.transactionId}; ${plural(e.changes.length, 'change')}${e.changes.length ? `: ${e.changes.map((c) => `${c.id} ${c.outcome}`).join(', ')}` : ''}`;
    case 'step.verified':
      if (e.by === 'listing') return `Verified by its inventory listing, read ${isoTime(e.firstConfirmedAt)}: nothing left to change, no read-back`;
      return `${plural(e.checks, 'read-back')}, first confirmed ${isoTime(e.firstConfirmedAt)}, elapsed ${duration(e.elapsedMs)}`;
    case 'step.retrying':
      return `Attempt ${e.attempt} failed: ${e.error}; retry in ${duration(e.retryInMs)}`;
    case 'step.deferred':
      return `Attempt ${e.attempt} paused before its next call, no retry spent: ${e.reason}; told to wait about ${duration(e.resumeInMs)}`;
    case 'step.relooking':
      return `After attempt ${e.attempt}, a read-back showed ${plural(e.shown.length, 'item')} no look of the step had listed: ${ids(e.shown)}; it looks again and acts on them`;
    case 'step.failed':
      return `Attempt ${e.attempt} failed: ${e.error}`;
    case 'step.unchecked':
      return `Not checked: ${e.reason}; nothing was read, changed or verified`;
    case 'run.finished':
      return e.outcome === 'verified'
        ? `Round ${e.round}: all steps verified`
        : e.outcome === 'attested'
          ? `Round ${e.round}: all steps verified or attested by a person`
          : e.failedSteps.length
            ? `Round ${e.round}: failed steps ${e.failedSteps.join(', ')}`
            : e.outcome === 'unchecked'
              ? `Round ${e.round}: verified, except steps not checked: ${(e.uncheckedSteps ?? []).join(', ')}`
              : `Round ${e.round}: residual access in ${(e.residualSteps ?? []).join(', ')}`;
    case 'task.opened': {
      const named = e.attesters.kind === 'usergroup' ? `user group ${e.attesters.id}` : e.attesters.ids.join(', ');
      const items = e.items ? ` ${e.items.length} item(s), each attested on its own (${e.items.map((i) => i.label).join('; ')}).` : '';
      return `Task opened, waiting for attestation by ${named ? `${named} or ` : ''}an approver: ${e.instructions}${items}`;
    }
    case 'item.attested':
      return `${e.label} (${e.itemId}): ${e.outcome === 'done' ? 'done' : 'not applicable'}, attested by ${e.actor}; not read back${e.note ? `. Note: ${e.note}` : ''}`;
    case 'task.reminded':
      return `Reminder ${e.reminder}: the task is still open`;
    case 'step.attested':
      return `${e.outcome === 'done' ? 'Done' : 'Not applicable'}: attested by ${e.actor}${e.attestedAt ? ` at ${isoTime(e.attestedAt)} (round ${e.carriedFrom})` : ''}; not read back${e.note ? `. Note: ${e.note}` : ''}`;
    case 'rotation.closed':
      return `Rotation of ${e.itemId}: ${e.outcome === 'rotated_myself' ? 'rotated' : 'not needed'}, attested by ${e.actor}; not read back${e.note ? `. Reason: ${e.note}` : ''}`;
    case 'rotation.requested':
      return `Rotation of ${e.itemId}: Rotate for me, asked by ${e.actor}`;
    case 'rotation.replaced':
      return `Rotation of ${e.itemId}: replacement ${e.replacementName} (${e.replacementId}) made by the bot at ${isoTime(e.replacementCreatedAt)}; its secret is collected in the console, never recorded`;
    case 'rotation.switched':
      return `Rotation of ${e.itemId}: switched to the replacement, said by ${e.actor}`;
    case 'rotation.held':
      return `Rotation of ${e.itemId}: the old credential signed in at ${isoTime(e.lastUsed)}, after the replacement was made; nothing disabled, the successor told`;
    case 'rotation.retired':
      return `Rotation of ${e.itemId}: the old credential disabled by the bot, confirmed by read-back${e.detail ? ` (${e.detail})` : ''}`;
    case 'rotation.deleted':
      return `Rotation of ${e.itemId}: the old credential deleted at the delete phase, confirmed by read-back${e.detail ? ` (${e.detail})` : ''}`;
    case 'rotation.failed':
      return `Rotation of ${e.itemId}: the bot could not ${e.work === 'replace' ? 'make the replacement' : e.work === 'retire' ? 'disable the old credential' : 'delete the old credential'}: ${e.error}`;
    case 'rotation.reminded':
      return `${e.to === 'requester' ? 'Requester told' : `Reminder ${e.reminder ?? 1} to the ${e.to}`}: ${e.itemIds.length} rotation task(s) still open: ${e.itemIds.join(', ')}`;
    case 'report.published':
      return `Evidence pack of round ${e.round} stored: ${e.filename}${e.sha256 ? `, JSON SHA-256 ${e.sha256}` : ''}`;
    case 'identities.found':
      return `${e.system}, round ${e.round}: ${e.identities.length ? e.identities.map((i) => `${i.id} (${i.scope}${i.detail ? `, ${i.detail}` : ''})`).join('; ') : 'no identity found'}`;
    case 'identities.failed':
      return `${e.system}, round ${e.round}: could not look the person up: ${e.error}`;
    case 'batch.summary_sent':
      return `Summary of bulk request ${e.batchId} (${plural(e.requests, 'request')}) given${e.via ? ` (${e.via})` : ''} by direct message, JSON SHA-256 ${e.sha256}`;
    case 'evidence.downloaded':
      return `Evidence pack of round ${e.round} given (${e.via})${e.files ? ` by direct message${e.sha256 ? `, JSON SHA-256 ${e.sha256}` : ''}` : ''}`;
    case 'people.named':
      return `Names as Slack gave them, recorded for the pack: ${e.people.map((p) => `${p.name} (${p.id})`).join('; ')}`;
    case 'evidence.refused':
      return `Evidence pack refused (${e.via}): ${e.reason}`;
    case 'run.reconciled':
      return `Repaired (${e.action}): ${e.detail}`;
    default:
      return genericDetail(e);
  }
}

function genericDetail(e: AuditRecord): string {
  const { type: _t, seq: _s, at: _a, ...fields } = e as unknown as Record<string, unknown>;
  return Object.entries(fields)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('; ');
}

export function timelineSection(ctx: PdfContext): void {
  const { layout, pack } = ctx;
  layout.heading('Timeline');
  const trail = recordsOf(pack.chain.entries);
  layout.paragraph(`${plural(trail.length, 'entry', 'entries')} of the audit trail, in the order they were recorded. Times are UTC.`, { size: 9 });
  layout.gap(2);
  layout.table(
    [
      { header: '#', width: 0.05 },
      { header: 'Time', width: 0.17 },
      { header: 'Event', width: 0.14 },
      { header: 'Who / step', width: 0.2 },
      { header: 'Detail', width: 0.44 },
    ],
    trail.map((e, i) => [String(i + 1), isoTime(e.at), e.type, subject(ctx, e), truncate(eventDetail(e), 600)]),
    7,
  );
}
