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

/** One request on one line: App Home, `/offboard list` and `/offboard status` show requests alike. */
export function requestRow(r: OffboardRequest): string {
  return (
    `*${r.id}* · ${subjectRef(r.subject)} · ${STATUS[r.status]} · requested by ${requesterRef(r.requester)} ${slackDate(r.createdAt)} · ticket ${escapeText(r.ticket)}` +
    (r.lastRescan
      ? ` · last re-scan ${slackDate(r.lastRescan.at)}: ${r.lastRescan.findings ? `:rotating_light: ${r.lastRescan.findings} came back` : 'nothing came back'}`
      : '')
  );
}
