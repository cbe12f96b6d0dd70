import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { requestModal } from '../src/slack/blocks/request-modal.js';
import { COMMAND } from '../src/slack/blocks/ids.js';
import type { CommandDeps } from './deps.js';

const USAGE = `Usage: \`${COMMAND}\` or \`${COMMAND} @person\` opens the offboarding form.`;

/** `/offboard [@person]`: opens the request modal, pre-filled with the person when one is mentioned. */
export function offboardCommand(deps: CommandDeps) {
  return async ({ command, ack, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    const text = command.text.trim();
    const mention = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(text);
    if (text === 'help') return ack({ response_type: 'ephemeral', text: USAGE });
    if (text && !mention) {
      return ack({
        response_type: 'ephemeral',
        text: `I could not read "${text}" as a person. Mention them with @, e.g. \`${COMMAND} @jane\`, or leave it empty and pick them in the form.\n${USAGE}`,
      });
    }
    await ack();
    await client.views.open({ trigger_id: command.trigger_id, view: requestModal({ personId: mention?.[1], channelId: command.channel_id }) });
    deps.logger.info({ user: command.user_id }, 'offboarding form opened');
  };
}
