import { WebClient } from '@slack/web-api';

/**
 * A real WebClient whose first chat.update reaches Slack only after `delayMs`, so a later
 * update would overtake it unless the caller serialises them.
 */
export function slowFirstUpdate(token: string, slackApiUrl: string, delayMs = 300): WebClient {
  const client = new WebClient(token, { slackApiUrl });
  const update = client.chat.update.bind(client.chat);
  let first = true;
  client.chat.update = (async (args: Parameters<typeof update>[0]) => {
    if (first) {
      first = false;
      await new Promise((r) => setTimeout(r, delayMs));
    }
    return update(args);
  }) as typeof client.chat.update;
  return client;
}
