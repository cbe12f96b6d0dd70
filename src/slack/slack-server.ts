import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { BotIdentity } from './bot-scopes.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { listen } from '../ops/listen.js';
import type { OpsRoutes } from '../ops/ops-routes.js';
import { boltLogger } from './bolt-logger.js';
import { answerEveryRequest, boltReceiverErrorOptions } from './bolt-errors.js';
import { readSignedBody, signatureHeaders } from './body-guard.js';
import { maskingFetch } from './masking-fetch.js';
import { wellFormedDeep } from '../well-formed.js';
import { InFlight } from './in-flight.js';

export const EVENTS_PATH = '/slack/events';

export interface SlackServer {
  /** The HTTP port Slack posts to; none in Socket Mode, where the bot connects to Slack instead. */
  port?: number;
  /** Resolves once every Slack request taken so far is answered and its listeners have finished. */
  settled(): Promise<void>;
  /** Stops taking requests, then waits for those taken (see `settled`). */
  close(): Promise<void>;
}

export interface SlackServerOptions {
  config: Config;
  /** Who the bot is, from the start-up check of its token (Bolt then does not ask Slack again). */
  bot: BotIdentity;
  /** Adds the bot's listeners (commands/, from the composition root): src/ does not import them. */
  listeners: (app: App) => void;
  logger: Logger;
  /** Answer Slack only after listeners finish (FaaS, deterministic tests). */
  processBeforeResponse?: boolean;
  /** Served on the same port before Slack's endpoint (HTTP mode): health, readiness, metrics. */
  routes?: OpsRoutes;
}

/** Socket Mode when SLACK_APP_TOKEN is set (no public URL needed), else signed HTTP on PORT. */
export async function startSlackServer(options: SlackServerOptions): Promise<SlackServer> {
  const { appToken, signingSecret } = options.config.slack;
  if (appToken) return startSocketMode(options, appToken);
  if (!signingSecret) throw new Error('SLACK_SIGNING_SECRET is required unless SLACK_APP_TOKEN is set');
  return startHttp(options, signingSecret);
}

/**
 * Bolt's HTTPReceiver behind our own HTTP server, which adds the ops routes and checks Slack's
 * signature itself before anything of the body is parsed (see readSignedBody): a request without
 * one is refused from its headers, before its body is read.
 */
async function startHttp(
  { config, bot, listeners, logger, routes, processBeforeResponse = false }: SlackServerOptions,
  signingSecret: string,
): Promise<SlackServer> {
  const receiver = new HTTPReceiver({
    signingSecret,
    endpoints: EVENTS_PATH,
    processBeforeResponse,
    logger: boltLogger(logger),
    ...boltReceiverErrorOptions(logger),
  });
  const inFlight = new InFlight();
  initApp(receiver, { config, bot, listeners, logger }, inFlight);

  const server: Server = createServer((req, res) => {
    if (routes?.(req, res)) return;
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== EVENTS_PATH) {
      res.writeHead(404).end();
      return;
    }
    const signed = signatureHeaders(req);
    if (!signed) {
      logger.warn({ path: req.url }, 'refused a Slack request without a signature, or stamped more than five minutes away');
      refuse(req, res, 401);
      return;
    }
    // From arrival: Bolt's own handling starts only once the body is read and the signature checked.
    const taken = inFlight.begin();
    res.once('finish', taken);
    res.once('close', taken);
    readSignedBody(req, signingSecret, signed)
      .then((check) => {
        if (!check.ok) {
          logger.warn({ status: check.status }, `refused a Slack request: ${check.why}`);
          refuse(req, res, check.status);
          return;
        }
        receiver.requestListener(req, res);
      })
      .catch((err: unknown) => {
        logger.warn({ err: (err as Error).message }, 'could not read a request body');
        if (!res.headersSent) res.writeHead(400).end();
      });
  });
  const listening = await listen(server, config.port, 'PORT');
  logger.info({ port: listening.port, path: EVENTS_PATH }, 'listening for Slack');
  const settled = () => inFlight.idle();
  return {
    port: listening.port,
    settled,
    close: async () => {
      await listening.close();
      await settled();
    },
  };
}

/**
 * Bolt over Socket Mode: the bot opens a WebSocket to Slack (`apps.connections.open` with the
 * app-level token, at the same API base as its Web API calls) and acknowledges envelopes on it.
 */
async function startSocketMode({ config, bot, listeners, logger }: SlackServerOptions, appToken: string): Promise<SlackServer> {
  const receiver = new SocketModeReceiver({
    appToken,
    logger: boltLogger(logger),
    installerOptions: { clientOptions: { slackApiUrl: config.slack.apiUrl } },
  });
  const inFlight = new InFlight();
  initApp(receiver, { config, bot, listeners, logger }, inFlight);
  try {
    await receiver.start();
  } catch (err) {
    throw new Error(`Slack refused SLACK_APP_TOKEN when opening a Socket Mode connection (${(err as Error).message})`);
  }
  logger.info('connected to Slack over Socket Mode');
  const settled = () => inFlight.idle();
  return {
    settled,
    // Stops taking events; Slack redelivers an event whose envelope was not acknowledged.
    close: async () => {
      await receiver.client.disconnect();
      await settled();
    },
  };
}

/**
 * The Bolt app on either receiver: our listeners and its error log. The token was checked at
 * start-up (checkBotToken), so Bolt is given the bot's identity instead of asking auth.test again.
 */
function initApp(
  receiver: HTTPReceiver | SocketModeReceiver,
  { config, bot, listeners, logger }: Pick<SlackServerOptions, 'config' | 'bot' | 'listeners' | 'logger'>,
  inFlight: InFlight,
): void {
  const app = new App({
    token: config.slack.botToken,
    ...bot,
    tokenVerificationEnabled: false,
    receiver,
    clientOptions: { slackApiUrl: config.slack.apiUrl, fetch: maskingFetch },
    logger: boltLogger(logger),
  });
  // First of the middleware: a request's handling ends when its listeners and our error answer have.
  app.use(({ next }) => inFlight.track(next()));
  // What people type (names, tickets, notes, reasons, command text) comes in here: made
  // well-formed before any listener reads, stores or shows it.
  app.use(async ({ body, next }) => {
    wellFormedDeep(body);
    await next();
  });
  listeners(app);
  answerEveryRequest(app, logger);
}

/** Answers and drops the connection: the rest of a body we will not read is not drained either. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number): void {
  res.writeHead(status, { connection: 'close' }).end(() => req.destroy());
}
