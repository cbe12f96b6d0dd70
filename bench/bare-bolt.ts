/**
 * The reference for `npm run bench:ack`: a bare Bolt app, the same Bolt version and HTTPReceiver
 * (signature checked, answered at `ack()`), whose listeners for the bot's command, views and
 * buttons only acknowledge. Whatever the bot takes beyond this is its own doing.
 *
 * In-process: `await startBareBolt({ signingSecret, token, slackApiUrl })`.
 * As a child process: `node --import tsx bench/bare-bolt.ts` with SLACK_SIGNING_SECRET,
 * SLACK_BOT_TOKEN, SLACK_API_URL and PORT; it prints `bare bolt listening on <port>` when ready.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { ACTIONS, COMMAND, FIELDS, inputAction, VIEWS } from '../src/slack/blocks/ids.js';

/** The bot's EVENTS_PATH (src/slack/slack-server.ts), not imported so this process loads nothing of the bot's. */
const EVENTS_PATH = '/slack/events';

export interface BareBoltOptions {
  signingSecret: string;
  token: string;
  /** Where `auth.test` goes at start-up (the Slack simulator); Slack's own when unset. */
  slackApiUrl?: string;
  /** Default 0: any free port. */
  port?: number;
}

export interface BareBolt {
  port: number;
  stop(): Promise<void>;
}

export async function startBareBolt({ signingSecret, token, slackApiUrl, port = 0 }: BareBoltOptions): Promise<BareBolt> {
  // Bolt's defaults, as the bot's receiver has them: answer at ack(), not after the listener.
  const receiver = new HTTPReceiver({ signingSecret, endpoints: EVENTS_PATH, processBeforeResponse: false, logLevel: LogLevel.WARN });
  const app = new App({ token, receiver, clientOptions: slackApiUrl ? { slackApiUrl } : {}, logLevel: LogLevel.WARN, deferInitialization: true });
  app.command(COMMAND, async ({ ack }) => ack());
  app.view(VIEWS.request, async ({ ack }) => ack());
  app.view(VIEWS.reject, async ({ ack }) => ack());
  // The bot's buttons, and the request form's people pickers (their picks are sent as they are made).
  for (const action of [...Object.values(ACTIONS), inputAction(FIELDS.person), inputAction(FIELDS.successor)]) app.action(action, async ({ ack }) => ack());
  await app.init();
  const server = (await app.start(port)) as Server;
  return { port: (server.address() as AddressInfo).port, stop: () => app.stop() as Promise<void> };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const env = (name: string): string => {
    const value = process.env[name];
    if (value !== undefined) return value;
    console.error(`bare-bolt: set ${name}`);
    process.exit(2);
  };
  const bare = await startBareBolt({
    signingSecret: env('SLACK_SIGNING_SECRET'),
    token: env('SLACK_BOT_TOKEN'),
    slackApiUrl: process.env.SLACK_API_URL,
    port: Number(process.env.PORT ?? 0),
  });
  console.log(`bare bolt listening on ${bare.port}`);
  const stop = () => void bare.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
