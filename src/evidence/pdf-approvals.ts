import { isoTime } from './format.js';
import { COLORS } from './pdf-layout.js';
import type { PdfContext } from './pdf-context.js';

export function approvalsSection(ctx: PdfContext): void {
  const { layout, pack } = ctx;
  const r = pack.request;
  layout.heading('Request and approvals');
  if (r) {
    layout.field(
      'Person leaving',
      `${r.subject.name}, ${r.subject.email}, ${r.subject.slack_user_id ? `Slack ${r.subject.slack_user_id}` : 'no Slack account'}`,
    );
    layout.field('Reason', r.reason_label);
    layout.field('Requested by', r.requester.slack_user_id ? ctx.person(r.requester.slack_user_id) : r.requester.name);
    layout.field('Submitted at', isoTime(r.submitted_at));
    layout.field('Access ends', r.effective_at ? isoTime(r.effective_at) : 'At approval');
    layout.field('Ticket', r.ticket || 'none');
    layout.field('Notes', r.notes || 'none');
    layout.field('Status', r.status);
  }
  layout.subheading('Decision');
  if (!pack.approvals.length) layout.paragraph('No decision recorded.', { size: 9.5 });
  for (const a of pack.approvals) {
    layout.field(a.decision === 'approved' ? 'Approved' : 'Rejected', `by ${ctx.person(a.by)} at ${isoTime(a.at)}${a.reason ? `: ${a.reason}` : ''}`, {
      bold: true,
    });
    if (a.approved_by) layout.field('Approved by', `${a.approved_by.map((id) => ctx.person(id)).join(', ')} (distinct approvers, as the rule required)`);
    layout.field('Separation of duties', a.separation_of_duties.statement, {
      color: a.separation_of_duties.approver_is_requester || a.separation_of_duties.approver_is_subject ? COLORS.bad : COLORS.ok,
    });
    if (a.rule) layout.field('Rule', a.rule);
    for (const each of a.each_approval ?? []) layout.field('Approval', `${ctx.person(each.by)} at ${isoTime(each.at)}, of terms SHA-256 ${each.digest}`);
    layout.field(
      'Approvers at click time',
      a.approvers_at_click
        ? a.approvers_at_click.length
          ? a.approvers_at_click.map((id) => ctx.person(id)).join(', ')
          : 'none'
        : 'not recorded (trail written before membership was kept)',
    );
  }
  layout.subheading('Refused attempts');
  if (!pack.refused_attempts.length) {
    layout.paragraph('None.', { size: 9.5, color: COLORS.muted });
    return;
  }
  layout.table(
    [
      { header: 'Time', width: 0.22 },
      { header: 'Who', width: 0.25 },
      { header: 'Tried to', width: 0.1 },
      { header: 'Why it was refused', width: 0.43 },
    ],
    pack.refused_attempts.map((e) => [isoTime(e.at), ctx.person(e.actor), e.action, `${e.reason}${e.repeats > 1 ? ` (${e.repeats} times)` : ''}`]),
  );
}
