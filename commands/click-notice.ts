import type { WebClient } from '@slack/web-api';
import type { z } from 'zod';
import type { Logger } from '../src/logger.js';
import { clickContext, requestButton } from '../src/slack/payloads.js';

export type Click = z.infer<typeof clickContext>;

const DAMAGED_BUTTON = 'This button does not name a request I know, so nothing was done. Use the buttons on the request in the approval channel.';

/**
 * Tells the person who clicked, privately, where they clicked: in the channel, or in the app's
 * direct message for a click on the Home tab (which shows no messages); a click from nowhere gets no
 * answer but the ack.
 */
export async function tellClicker(client: WebClient, click: Click, text: string): Promise<void> {
  if (click.channel) await client.chat.postEphemeral({ channel: click.channel.id, user: click.user.id, text });
  else if (click.view?.type === 'home') await client.chat.postMessage({ channel: click.user.id, text });
}

export const unknownRequest = (requestId: string) => `There is no offboarding request ${requestId}, so nothing was done.`;

/**
 * Reads one of our request buttons from an acknowledged click: who clicked, and the request id it
 * carries. A malformed click is answered (when it says where from) and yields nothing to act on.
 */
export async function readRequestClick(body: unknown, client: WebClient, logger: Logger): Promise<{ click: Click; requestId: string } | undefined> {
  const click = clickContext.safeParse(body);
  if (!click.success) {
    logger.warn({ issues: click.error.issues.map((i) => i.path.join('.')) }, 'ignored a click that names no valid user');
    return undefined;
  }
  const button = requestButton.safeParse(body);
  if (!button.success) {
    logger.warn({ user: click.data.user.id }, 'refused a click whose value names no request');
    await tellClicker(client, click.data, DAMAGED_BUTTON);
    return undefined;
  }
  return { click: click.data, requestId: button.data.actions[0].value };
}
