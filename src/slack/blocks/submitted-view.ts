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
