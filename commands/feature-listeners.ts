import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs, SlackCommandMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { progressView } from '../src/slack/blocks/checking-view.js';
import { viewSubmissionPayload } from '../src/slack/payloads.js';
import { featureClick } from '../src/slack/payloads.js';
import { tellClicker } from './click-notice.js';
import type { CommandDeps } from './deps.js';

/**
 * `/offboard <verb>` for a verb a switched-on system offers (its features), when no built-in verb
 * is that word: acknowledged, then answered privately by the system's verb. Undefined: no system
 * offers it, and the caller explains.
 */
export function featureVerb(
  deps: CommandDeps,
  word: string,
  userId: string,
  ack: SlackCommandMiddlewareArgs['ack'],
  respond: SlackCommandMiddlewareArgs['respond'],
) {
  const found = deps.features.verb(word);
  if (!found) return undefined;
  return (async () => {
    await ack();
    await found.verb.run({ userId, reply: async (text) => void (await respond({ response_type: 'ephemeral', text })) }, found.host);
  })();
}

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

const UNKNOWN_BUTTON = 'This button is not one I offer (any more), so nothing was done. Use the buttons of the latest message.';

/** A button under a system's id (`<system>.<feature>.<button>`): acknowledged, read, then handed to the feature; one no feature offers is refused. */
export function featureButton(deps: CommandDeps) {
  return async ({ ack, body, client }: Args) => {
    await ack();
    const parsed = featureClick.safeParse(body);
    if (!parsed.success) {
      deps.logger.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'ignored a click Slack did not send in its usual form');
      return;
    }
    const click = parsed.data;
    const [action] = click.actions;
    const tell = (text: string) => tellClicker(client, click, text);
    const found = deps.features.button(action.action_id);
    if (!found) {
      deps.logger.warn({ user: click.user.id, action: action.action_id }, 'refused a click on a button no system offers');
      return tell(UNKNOWN_BUTTON);
    }
    await found.button(
      {
        userId: click.user.id,
        triggerId: click.trigger_id,
        channelId: click.channel.id,
        threadTs: click.message.thread_ts ?? click.message.ts,
        value: action.value,
        tell,
      },
      found.host,
    );
  };
}

const UNKNOWN_MODAL = 'This form is not one I offer (any more), so nothing was recorded.';

/** A modal under a system's id: acknowledged at once (the modal says "Recording…"), read, then handed to the feature, which shows its outcome. */
export function featureSubmission(deps: CommandDeps) {
  return async ({ ack, body, client }: SlackViewMiddlewareArgs & AllMiddlewareArgs) => {
    await ack({ response_action: 'update', view: progressView('Recording', ':hourglass_flowing_sand: Recording…') });
    const parsed = viewSubmissionPayload.safeParse(body);
    const callbackId = (body.view as { callback_id?: string }).callback_id ?? '';
    if (!parsed.success) {
      deps.logger.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'ignored a form Slack did not send in its usual form');
      return;
    }
    const show = async (text: string) => void (await client.views.update({ view_id: parsed.data.view.id, view: progressView('Recorded', text) }));
    const found = deps.features.modal(callbackId);
    if (!found) {
      deps.logger.warn({ user: parsed.data.user.id, callbackId }, 'refused a form no system offers');
      return show(UNKNOWN_MODAL);
    }
    await found.modal(
      { userId: parsed.data.user.id, privateMetadata: parsed.data.view.private_metadata ?? '', values: parsed.data.view.state?.values, show },
      found.host,
    );
  };
}
