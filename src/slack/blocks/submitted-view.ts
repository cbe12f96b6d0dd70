import type { OffboardRequest } from '../../requests/request.js';
import { escapeText, plain, section } from './block-kit.js';

/** Replaces the request modal once the request is stored. */
export function submittedView(r: OffboardRequest, approvalChannel: string) {
  return {
    type: 'modal' as const,
    title: plain('Request sent'),
    close: plain('Done'),
    blocks: [
      section(
        `:white_check_mark: Request *${r.id}* to offboard ${escapeText(r.subject.name)} is waiting for approval in <#${approvalChannel}>. ` +
          'You will get a message when it is decided and when access has been removed.',
      ),
    ],
  };
}

/** How many of a bulk request's people the modal names before it counts the rest. */
const NAMED = 20;

/**
 * A person left out of a bulk request because a request about them is open: `open` (its id, and a
 * link to its approval message when known) only for a requester who may be told of it, an approver.
 */
export interface LeftOut {
  name: string;
  open?: { id: string; link?: string };
}

/**
 * Replaces the request modal once a bulk request is stored: how many requests wait for the one
 * approval, and who was left out because a request about them is already open (with that request,
 * linked, for an approver; anyone else is told only that one exists).
 */
export function bulkSubmittedView(stored: OffboardRequest[], alreadyOpen: LeftOut[], approvalChannel: string) {
  const names = (list: string[]) => {
    const shown = list.slice(0, NAMED).join(', ');
    return list.length > NAMED ? `${shown} and ${list.length - NAMED} more` : shown;
  };
  const leftOut = ({ name, open }: LeftOut) => {
    if (!open) return escapeText(name);
    return `${escapeText(name)} (${open.link ? `<${open.link}|${escapeText(open.id)}>` : escapeText(open.id)})`;
  };
  const lines = [
    `:white_check_mark: ${stored.length} requests to offboard ${names(stored.map((r) => escapeText(r.subject.name)))} wait for one approval in <#${approvalChannel}> (${stored[0]?.id ?? ''}…). ` +
      'You will get a message when they are decided and when access has been removed.',
    ...(alreadyOpen.length ? [`:warning: Not included, because a request about them is already open: ${names(alreadyOpen.map(leftOut))}.`] : []),
  ];
  return { type: 'modal' as const, title: plain('Requests sent'), close: plain('Done'), blocks: lines.map((l) => section(l)) };
}

/** A link to a request's approval message, when the workspace's domain and the message are known. */
export function approvalLink(message: { channel: string; ts: string } | undefined, teamDomain: string | undefined): string | undefined {
  return message && teamDomain ? `https://${teamDomain}.slack.com/archives/${message.channel}/p${message.ts.replace('.', '')}` : undefined;
}
