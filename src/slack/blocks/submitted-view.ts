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
 * Replaces the request modal once a bulk request is stored: how many requests wait for the one
 * approval, and who was left out because a request about them is already open.
 */
export function bulkSubmittedView(stored: OffboardRequest[], alreadyOpen: string[], approvalChannel: string) {
  const names = (list: string[]) => {
    const shown = list.slice(0, NAMED).map(escapeText).join(', ');
    return list.length > NAMED ? `${shown} and ${list.length - NAMED} more` : shown;
  };
  const lines = [
    `:white_check_mark: ${stored.length} requests to offboard ${names(stored.map((r) => r.subject.name))} wait for one approval in <#${approvalChannel}> (${stored[0]?.id ?? ''}…). ` +
      'You will get a message when they are decided and when access has been removed.',
    ...(alreadyOpen.length ? [`:warning: Not included, because a request about them is already open: ${names(alreadyOpen)}.`] : []),
  ];
  return { type: 'modal' as const, title: plain('Requests sent'), close: plain('Done'), blocks: lines.map((l) => section(l)) };
}
