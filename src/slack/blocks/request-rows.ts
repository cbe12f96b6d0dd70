import type { OffboardRequest } from '../../requests/request.js';
import { escapeText, slackDate } from './block-kit.js';
import { requesterRef, subjectRef } from './request-summary.js';

export const STATUS: Record<OffboardRequest['status'], string> = {
  pending: ':hourglass: waiting for approval',
  approved: ':gear: running',
  rejected: ':no_entry: rejected',
  disabled: ':lock: disabled, deletion scheduled',
  reinstated: ':leftwards_arrow_with_hook: reinstated',
  completed: ':white_check_mark: completed',
  cancelled: ':no_entry_sign: cancelled',
  expired: ':hourglass: expired without a decision',
};

/** An approved request is running once its run has started; until then it waits for its time. */
function statusOf(r: OffboardRequest): string {
  if (r.status !== 'approved' || r.runStartedAt) return STATUS[r.status];
  return r.effectiveAt ? `:calendar: approved, starts ${slackDate(r.effectiveAt)}` : ':gear: approved, starting';
}

/** One request on one line: App Home, `/offboard list` and `/offboard status` show requests alike. */
export function requestRow(r: OffboardRequest): string {
  return (
    `*${r.id}* · ${subjectRef(r.subject)} · ${statusOf(r)} · requested by ${requesterRef(r.requester)} ${slackDate(r.createdAt)} · ticket ${escapeText(r.ticket)}` +
    (r.lastRescan
      ? ` · last re-scan ${slackDate(r.lastRescan.at)}: ${r.lastRescan.findings ? `:rotating_light: ${r.lastRescan.findings} came back` : 'nothing came back'}`
      : '')
  );
}
