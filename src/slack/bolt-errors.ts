import type { IncomingMessage } from 'node:http';
import {
  type AllMiddlewareArgs,
  type AnyMiddlewareArgs,
  type App,
  type Context,
  HTTPModuleFunctions,
  type HTTPReceiverOptions,
  type ReceiverProcessEventErrorHandlerArgs,
  type ReceiverUnhandledRequestHandlerArgs,
} from '@slack/bolt';
import type { Logger } from '../logger.js';
import { clickContext } from './payloads.js';

/**
 * Bolt's defaults answer a listener that throws before `ack()` with 500, and one that never
 * acknowledges with 404 after 3 s; Slack then shows the person an error while we may carry on.
 * Here every request from Slack gets a 200 and, where Slack shows one, a short explanation.
 */
const SORRY = 'Something went wrong on our side while handling this, so nothing was done. Try again in a moment; if it keeps happening, tell IT.';
const UNKNOWN = 'I do not know what to do with this, so nothing was done.';
/** Under Slack's 3 s, so our answer arrives before Slack gives up and shows its own error. */
const UNANSWERED_AFTER_MS = 2_000;
const ANSWERED = 'offboardAnswered';

type AckArg = (response?: unknown) => Promise<void>;

/** HTTPReceiver options: our answer when Bolt fails before any listener could answer. */
export function boltReceiverErrorOptions(
  logger: Logger,
): Pick<HTTPReceiverOptions, 'processEventErrorHandler' | 'unhandledRequestHandler' | 'unhandledRequestTimeoutMillis'> {
  return {
    unhandledRequestTimeoutMillis: UNANSWERED_AFTER_MS,
    unhandledRequestHandler: ({ request, response }: ReceiverUnhandledRequestHandlerArgs) => {
      logger.warn({ path: request.url }, 'a Slack request had no answer in time; answered with an explanation');
      if (!response.headersSent) HTTPModuleFunctions.buildContentResponse(response, explanationFor(request));
    },
    processEventErrorHandler: async ({ error, request, response, storedResponse }: ReceiverProcessEventErrorHandlerArgs) => {
      logger.error({ err: error.message, code: (error as { code?: string }).code }, 'Bolt could not process a Slack request');
      if (response.headersSent) return false;
      HTTPModuleFunctions.buildContentResponse(response, storedResponse ?? explanationFor(request));
      return true;
    },
  };
}

/**
 * Wraps a listener so that its `ack()` is noted: the global middleware below then knows whether
 * the request still needs an answer, without acknowledging anything twice.
 */
export function answering<A extends { ack: (response?: never) => Promise<void>; context: Context }>(
  listener: (args: A) => Promise<void>,
): (args: A) => Promise<void> {
  return (args) => {
    const ack = async (response?: never) => {
      args.context[ANSWERED] = true;
      await args.ack(response);
    };
    return listener({ ...args, ack: ack as A['ack'] });
  };
}

/**
 * A global middleware that answers whatever no listener answered (an unknown action, a callback
 * id we never sent) and turns a listener's failure into a logged error and an explanation,
 * instead of Bolt's 500 or 404.
 */
export function answerEveryRequest(app: App, logger: Logger): void {
  app.use(async (args) => {
    try {
      await args.next();
    } catch (err) {
      logger.error({ err: (err as Error).message, ...describe(args) }, 'Slack listener failed');
      await explain(args, SORRY, logger);
      return;
    }
    if (!args.context[ANSWERED] && ackOf(args)) await explain(args, UNKNOWN, logger);
  });
  app.error(async (err) => {
    logger.error({ err: err.message, code: err.code }, 'Slack request failed before any listener ran');
  });
}

function ackOf(args: AnyMiddlewareArgs): AckArg | undefined {
  return 'ack' in args && typeof args.ack === 'function' ? (args.ack as AckArg) : undefined;
}

/** Answers in the way Slack shows this kind of request; a click that was already answered still hears why nothing happened. */
async function explain(args: AnyMiddlewareArgs & AllMiddlewareArgs, text: string, logger: Logger): Promise<void> {
  const ack = ackOf(args);
  const answered = Boolean(args.context[ANSWERED]);
  const body = args.body as Record<string, unknown>;
  try {
    if (body.command !== undefined) {
      if (ack && !answered) await ack({ response_type: 'ephemeral', text });
    } else if (body.type === 'view_submission') {
      if (ack && !answered) await ack(viewErrors(body.view, text));
    } else {
      if (ack && !answered) await ack();
      const click = body.type === 'block_actions' ? clickContext.safeParse(body) : undefined;
      if (click?.success && click.data.channel) await args.client.chat.postEphemeral({ channel: click.data.channel.id, user: click.data.user.id, text });
    }
  } catch (err) {
    logger.warn({ err: (err as Error).message, ...describe(args) }, 'could not explain a failed Slack request');
  }
}

/** Slack shows modal errors only on an input block of the submitted view; without one the modal just closes. */
function viewErrors(view: unknown, text: string): Record<string, unknown> | undefined {
  const blocks = (view as { blocks?: unknown } | null | undefined)?.blocks;
  const input = Array.isArray(blocks)
    ? (blocks.find((b) => (b as { type?: unknown })?.type === 'input' && typeof (b as { block_id?: unknown }).block_id === 'string') as
        | { block_id: string }
        | undefined)
    : undefined;
  return input ? { response_action: 'errors', errors: { [input.block_id]: text } } : undefined;
}

/** What identifies the request in a log line: kind and ids, never the payload itself. */
function describe(args: AnyMiddlewareArgs): Record<string, unknown> {
  const body = args.body as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 64) : undefined);
  return {
    kind: str(body.type) ?? (body.command !== undefined ? 'command' : undefined),
    command: str(body.command),
    actionId: str((args.payload as { action_id?: unknown } | undefined)?.action_id),
    callbackId: str((body.view as { callback_id?: unknown } | undefined)?.callback_id),
  };
}

/** Only a slash command has a visible answer Slack accepts without knowing the request (an ephemeral text). */
function explanationFor(request: IncomingMessage): unknown {
  const raw = (request as { rawBody?: Buffer }).rawBody?.toString('utf8') ?? '';
  const isCommand = request.headers['content-type'] === 'application/x-www-form-urlencoded' && new URLSearchParams(raw).has('command');
  return isCommand ? { response_type: 'ephemeral', text: SORRY } : '';
}
