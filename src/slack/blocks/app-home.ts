import type { OffboardRequest } from '../../requests/request.js';
import { context, divider, escapeText, section, slackDate, user } from './block-kit.js';
import { COMMAND } from './ids.js';

const STATUS: Record<OffboardRequest['status'], string> = {
  pending: ':hourglass: waiting for approval',
  approved: ':gear: running',
  rejected: ':no_entry: rejected',
  disabled: ':lock: disabled, deletion scheduled',
  reinstated: ':leftwards_arrow_with_hook: reinstated',
  completed: ':white_check_mark: completed',
  cancelled: ':no_entry_sign: cancelled',
  expired: ':hourglass: expired without a decision',
};
/** Rows per section: the tab is a summary, the approval channel has the rest. */
const ROWS = 15;

export interface HomeViewer {
  userId: string;
  isApprover: boolean;
}

/**
 * The App Home tab of one person: how to start; the requests they made; for approvers, what waits
 * for a decision and the latest runs. Nobody is ever shown a request to offboard themselves.
 */
export function appHome(recent: OffboardRequest[], viewer: HomeViewer) {
  const visible = recent.filter((r) => r.subject.slackUserId !== viewer.userId);
  const mine = visible.filter((r) => r.requester.slackUserId === viewer.userId).slice(0, ROWS);
  const sections = [section(listing('Your requests', mine, '_You have not requested any offboarding yet._'))];
  if (viewer.isApprover) {
    const pending = visible.filter((r) => r.status === 'pending').slice(0, ROWS);
    const runs = visible.filter((r) => !['pending', 'rejected', 'cancelled', 'expired'].includes(r.status)).slice(0, ROWS);
    sections.push(section(listing('Waiting for approval', pending, '_Nothing waits for a decision._')));
    sections.push(section(listing('Latest runs', runs, '_No runs yet._')));
  }
  return {
    type: 'home' as const,
    blocks: [
      section(
        `*Offboarding*\nType \`${COMMAND}\` or \`${COMMAND} @person\` in any channel to request that someone's access ends. ` +
          'IT approves in the approval channel; every system is then revoked, read back to verify, and an evidence report is stored and sent to compliance by direct message.',
      ),
      divider(),
      ...sections,
      context(
        viewer.isApprover
          ? 'Approve, reject and follow progress in the approval channel. Download evidence on the checklist of a request sends you its evidence pack by direct message.'
          : 'You are told here and by direct message when your requests are decided and done.',
      ),
    ],
  };
}

function listing(title: string, requests: OffboardRequest[], none: string): string {
  if (!requests.length) return `*${title}*\n${none}`;
  const rows = requests.map(
    (r) =>
      `*${r.id}* · ${user(r.subject.slackUserId)} · ${STATUS[r.status]} · requested by ${user(r.requester.slackUserId)} ${slackDate(r.createdAt)} · ticket ${escapeText(r.ticket)}` +
      (r.lastRescan
        ? ` · last re-scan ${slackDate(r.lastRescan.at)}: ${r.lastRescan.findings ? `:rotating_light: ${r.lastRescan.findings} came back` : 'nothing came back'}`
        : ''),
  );
  return `*${title}*\n${rows.join('\n')}`;
}
