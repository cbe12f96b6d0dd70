import type { OffboardRequest } from '../../requests/request.js';
import { context, divider, escape, section, slackDate, user } from './block-kit.js';
import { COMMAND } from './ids.js';

const STATUS = { pending: ':hourglass: waiting for approval', approved: ':gear: revoking', rejected: ':no_entry: rejected', completed: ':white_check_mark: completed' };

/** The App Home tab: how to start, and the latest requests with their state. */
export function appHome(recent: OffboardRequest[]) {
  const rows = recent.map(
    (r) => `*${r.id}* · ${user(r.subject.slackUserId)} · ${STATUS[r.status]} · requested by ${user(r.requester.slackUserId)} ${slackDate(r.createdAt)} · ticket ${escape(r.ticket)}`,
  );
  return {
    type: 'home' as const,
    blocks: [
      section(
        `*Offboarding*\nType \`${COMMAND}\` or \`${COMMAND} @person\` in any channel to request that someone's access ends. ` +
          'IT approves in the approval channel; every system is then revoked, read back to verify, and an evidence report is posted in the request thread.',
      ),
      divider(),
      section(rows.length ? `*Latest requests*\n${rows.join('\n')}` : '_No offboarding requests yet._'),
      context('Approvers: approve, reject and follow progress in the approval channel. Compliance: download the evidence PDF from each request thread.'),
    ],
  };
}
