import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { z } from 'zod';
import { BATCH_ID, REQUEST_ID } from '../src/requests/request.js';
import { EMAIL_SHAPE } from '../src/requests/validate-request.js';
import { RequestNotFoundError } from '../src/requests/request-store.js';
import { requestModal } from '../src/slack/blocks/request-modal.js';
import { cut, escapeText } from '../src/slack/blocks/block-kit.js';
import { evidenceNotice } from './decision-notice.js';
import { COMMAND } from '../src/slack/blocks/ids.js';
import { commandPayload } from '../src/slack/payloads.js';
import type { CommandDeps } from './deps.js';
import { listCommand, statusCommand } from './status-command.js';
import { HELP, helpWith } from '../src/slack/blocks/request-replies.js';
import { featureVerb } from './feature-listeners.js';

/** As typed, or as Slack escapes it in a command (`<mailto:jane@acme.com|jane@acme.com>`). */
const EMAIL = /^(?:<mailto:)?([^\s@<>|]+@[^\s@<>|]+?)(?:\|[^>]*>)?$/;

/** Enough of what was typed to recognise it, not enough to fill the screen. */
const ECHO_LIMIT = 80;

/** `/offboard [@person]`: opens the request modal, pre-filled with the person when one is mentioned. */
export function offboardCommand(deps: CommandDeps) {
  return async ({ body, ack, client, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    const parsed = commandPayload.safeParse(body);
    if (!parsed.success) {
      deps.logger.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'refused a malformed slash command');
      return ack({ response_type: 'ephemeral', text: `Slack sent this command in a form I cannot read, so nothing was opened. Try again.\n${HELP}` });
    }
    const command = parsed.data;
    const text = command.text.trim();
    const mention = /^<@([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>$/.exec(text);
    if (text === 'help') return ack({ response_type: 'ephemeral', text: helpWith(deps.features.help) });
    const report = /^report(?:\s+(\S+))?$/i.exec(text);
    if (report) return evidenceReport(deps, report[1], command, ack, respond);
    // Replies go through the command's own response: it reaches the caller in any channel and in direct messages.
    const status = /^status(?:\s+(.+))?$/i.exec(text);
    if (status) {
      await ack();
      return statusCommand(deps, command.user_id, (status[1] ?? '').trim(), respond);
    }
    if (/^list$/i.test(text)) {
      await ack();
      return listCommand(deps, command.user_id, respond);
    }
    // A word no built-in verb is: a switched-on system's own verb, or else not understood.
    const verb = /^[a-z][a-z-]*$/i.test(text) ? featureVerb(deps, text, command.user_id, ack, respond) : undefined;
    if (verb) return verb;
    // Someone who cannot be picked in Slack (deactivated, or never had an account), as typed or as Slack escapes it.
    const email = mention ? undefined : EMAIL.exec(text)?.[1];
    if (text && !mention && !(email && EMAIL_SHAPE.test(email))) {
      const shown = escapeText(text.length > ECHO_LIMIT ? `${cut(text, ECHO_LIMIT)}…` : text);
      return ack({
        response_type: 'ephemeral',
        text: `I could not read "${shown}" as a person. Mention them with @, e.g. \`${COMMAND} @jane\`, type their email (\`${COMMAND} jane@acme.com\`), or leave it empty and pick them in the form.\n${helpWith(deps.features.help)}`,
      });
    }
    await ack();
    await client.views.open({ trigger_id: command.trigger_id, view: requestModal({ personId: mention?.[1], personEmail: email }) });
    deps.logger.info({ user: command.user_id }, 'offboarding form opened');
    // Looked up while the form is filled in (a pre-filled person is never "picked"), once it is
    // open; the submission asks again for any that failed.
    await Promise.allSettled([command.user_id, ...(mention ? [mention[1]!] : [])].map((id) => deps.directory.person(id)));
  };
}

type Command = z.infer<typeof commandPayload>;

/** `/offboard report <id>`: the pack's links, privately, to approvers and compliance; answers and refusals are recorded. */
async function evidenceReport(
  deps: CommandDeps,
  id: string | undefined,
  command: Command,
  ack: SlackCommandMiddlewareArgs['ack'],
  respond: SlackCommandMiddlewareArgs['respond'],
) {
  if (!id || !(REQUEST_ID.test(id) || BATCH_ID.test(id)))
    return ack({
      response_type: 'ephemeral',
      text: `Name the request, e.g. \`${COMMAND} report OFF-7K3QX0\` (or a bulk request's id for its summary).\n${HELP}`,
    });
  await ack();
  let answer;
  try {
    answer = BATCH_ID.test(id)
      ? await deps.evidence.downloadBatch(id, command.user_id, 'command')
      : await deps.evidence.download(id, command.user_id, 'command');
  } catch (err) {
    if (!(err instanceof RequestNotFoundError)) throw err;
    answer = { kind: 'not_now' as const, text: `There is no offboarding request ${id}.` };
  }
  deps.logger.info({ requestId: id, user: command.user_id, outcome: answer.kind }, 'evidence asked for');
  await respond({ response_type: 'ephemeral', text: evidenceNotice(answer) });
}
