import type { AuditRecord } from '../audit/audit-event.js';
import { duration, isoTime, plural, truncate } from './format.js';
import type { ReportContext } from './report-context.js';

const ids = (items: Array<{ id: string }>) => items.map((i) => i.id).join(', ');

/** Who acted (a person) or what acted (a step), for the trail table. */
function subject(ctx: ReportContext, e: AuditRecord): string {
  if ('actor' in e) return ctx.person(e.actor);
  if ('stepId' in e) return ctx.stepLabel(e.stepId);
  return 'system';
}

/** One line saying what the event recorded (the layout masks whatever it draws). */
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
      return `Refused to ${e.action}: ${e.reason}`;
    case 'request.approved':
      return 'Approved';
    case 'request.rejected':
      return `Rejected: ${e.reason}`;
    case 'run.planned':
      return `Round ${e.round}: ${plural(e.steps.length, 'step')} planned, start at ${isoTime(e.startsAt)}`;
    case 'step.started':
      return `Attempt ${e.attempt}`;
    case 'step.inventoried':
      return e.found.length
        ? `Found ${e.found.length}: ${ids(e.found)}`
        : `Nothing found${e.note ? `: ${e.note}` : ''}`;
    case 'step.acting':
      return `Transaction ${e.transactionId}; acting on ${plural(e.itemIds.length, 'item')}: ${e.itemIds.join(', ')}`;
    case 'step.acted':
      return `${e.changes.some((c) => c.detail) ? `${e.changes.map((c) => c.detail).filter(Boolean).join('; ')}; ` : ''}Transaction ${e.transactionId}; ${plural(e.changes.length, 'change')}${e.changes.length ? `: ${ids(e.changes)}` : ''}`;
    case 'step.verified':
      return `${plural(e.checks, 'check')}, confirmed ${isoTime(e.firstConfirmedAt)}, elapsed ${duration(e.elapsedMs)}`;
    case 'step.retrying':
      return `Attempt ${e.attempt} failed: ${e.error}; retry in ${duration(e.retryInMs)}`;
    case 'step.failed':
      return `Attempt ${e.attempt} failed: ${e.error}`;
    case 'run.finished':
      return e.outcome === 'verified' ? 'All steps verified' : `Failed steps: ${e.failedSteps.join(', ')}`;
    case 'report.published':
      return `Report ${e.filename} (file ${e.fileId})`;
    case 'identities.found':
      return `${e.system}, round ${e.round}: ${e.identities.length ? e.identities.map((i) => `${i.id} (${i.scope}${i.detail ? `, ${i.detail}` : ''})`).join('; ') : 'no identity found'}`;
    case 'identities.failed':
      return `${e.system}, round ${e.round}: could not look the person up: ${e.error}`;
    case 'run.reconciled':
      return `Repaired (${e.action}): ${e.detail}`;
  }
}

export function trailSection(ctx: ReportContext): void {
  const { layout, input } = ctx;
  layout.heading('Audit trail');
  if (!input.trail.length) {
    layout.text('No audit events recorded.');
    return;
  }
  layout.text(`${plural(input.trail.length, 'event')}, in the order they were recorded. Times are UTC.`, { size: 9 });
  layout.gap(2);
  layout.table(
    [
      { header: 'Time', width: 0.22 },
      { header: 'Event', width: 0.15 },
      { header: 'Actor / step', width: 0.23 },
      { header: 'Detail', width: 0.4 },
    ],
    input.trail.map((e) => [isoTime(e.at), e.type, subject(ctx, e), truncate(eventDetail(e), 400)]),
  );
}
