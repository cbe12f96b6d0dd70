import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { requestModal } from '../src/slack/blocks/request-modal.js';
import { COMMAND } from '../src/slack/blocks/ids.js';
import { commandPayload } from '../src/slack/payloads.js';
import type { CommandDeps } from './deps.js';

const USAGE = `Usage: \`${COMMAND}\` or \`${COMMAND} @person\` opens the offboarding form.`;
/** Enough of what was typed to recognise it, not enough to fill the screen. */
const ECHO_LIMIT = 80;

/** `/offboard [@person]`: opens the request modal, pre-filled with the person when one is mentioned. */
export function offboardCommand(deps: CommandDeps) {
  return async ({ body, ack, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    const parsed = commandPayload.safeParse(body);
    if (!parsed.success) {
      deps.logger.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'refused a malformed slash command');
      return ack({ response_type: 'ephemeral', text: `Slack sent this command in a form I cannot read, so nothing was opened. Try again.\n${USAGE}` });
    }
    const command = parsed.data;
    const text = command.text.trim();
    const mention = /^<@([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>$/.exec(text);
    if (text === 'help') return ack({ response_type: 'ephemeral', text: USAGE });
    if (text && !mention) {
      const shown = text.length > ECHO_LIMIT ? `${text.slice(0, ECHO_LIMIT)}…` : text;
      return ack({
        response_type: 'ephemeral',
        text: `I could not read "${shown}" as a person. Mention them with @, e.g. \`${COMMAND} @jane\`, or leave it empty and pick them in the form.\n${USAGE}`,
      });
    }
    await ack();
    await client.views.open({ trigger_id: command.trigger_id, view: requestModal({ personId: mention?.[1] }) });
    deps.logger.info({ user: command.user_id }, 'offboarding form opened');
  };
}
