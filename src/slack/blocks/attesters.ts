import type { Attesters } from '../../audit/audit-event.js';

/** How a message names who may attest a manual task: a mention, so Slack notifies them. */
export const mentionAttesters = (a: Attesters): string => (a.kind === 'usergroup' ? `<!subteam^${a.id}>` : a.ids.map((id) => `<@${id}>`).join(' '));
