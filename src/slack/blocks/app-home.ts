import type { OffboardRequest } from '../../requests/request.js';
import { mayView, type Viewer } from '../../requests/request-visibility.js';
import { context, divider, plain, section } from './block-kit.js';
import { ACTIONS, COMMAND } from './ids.js';
import { requestRow } from './request-rows.js';

/**
 * Rows per list: three full lists, their headings and the rest stay within Slack's 100 blocks of
 * a Home tab; what does not fit is counted, with the command that lists it.
 */
const ROWS = 25;

/**
 * The App Home tab of one person: how to start; for approvers, what waits on their decision, first;
 * the requests they made; for approvers and compliance, the latest runs with their evidence. Nobody
 * is ever shown a request to offboard themselves.
 */
export function appHome(recent: OffboardRequest[], viewer: Viewer) {
  const visible = recent.filter((r) => mayView(viewer, r));
  const waiting = visible.filter((r) => r.status === 'pending' && r.requester.slackUserId !== viewer.userId);
  const mine = visible.filter((r) => r.requester.slackUserId === viewer.userId);
  const runs = visible.filter((r) => !['pending', 'rejected', 'cancelled', 'expired'].includes(r.status));
  return {
    type: 'home' as const,
    blocks: [
      section(
        `*Offboarding*\nType \`${COMMAND}\` or \`${COMMAND} @person\` in any channel to request that someone's access ends. ` +
          'IT approves in the approval channel; every system is then revoked, read back to verify, and an evidence report is stored and sent to compliance by direct message.',
      ),
      divider(),
      ...(viewer.isApprover ? listing('Waiting for your decision', waiting, '_Nothing waits for your decision._') : []),
      ...listing('Your requests', mine, '_You have not requested any offboarding yet._'),
      ...(viewer.isApprover || viewer.isCompliance ? listing('Latest runs', runs, '_No runs yet._', { evidence: true }) : []),
      context(
        viewer.isApprover || viewer.isCompliance
          ? `Approve, reject and follow progress in the approval channel. Download evidence sends you a request's evidence pack by direct message. \`${COMMAND} list\` lists every request you may see, \`${COMMAND} status OFF-…\` one of them.`
          : `You are told here and by direct message when your requests are decided and done. \`${COMMAND} list\` lists your requests.`,
      ),
    ],
  };
}

function listing(title: string, requests: OffboardRequest[], none: string, { evidence = false } = {}) {
  if (!requests.length) return [section(`*${title}*\n${none}`)];
  const shown = requests.slice(0, ROWS);
  const more = requests.length - shown.length;
  return [
    section(`*${title}* (${requests.length}${more ? `, the newest ${shown.length} shown` : ''})`),
    ...shown.map((r) =>
      evidence && r.status !== 'approved'
        ? { ...section(requestRow(r)), accessory: { type: 'button', action_id: ACTIONS.downloadEvidence, value: r.id, text: plain('Download evidence') } }
        : section(requestRow(r)),
    ),
    ...(more ? [context(`…and ${more} more. Type \`${COMMAND} list\` to see them all, or \`${COMMAND} status OFF-…\` for one.`)] : []),
  ];
}
