import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import type { RotationClosing } from '../src/runs/rotation-desk.js';
import { slackDate } from '../src/slack/blocks/block-kit.js';
import { FIELDS } from '../src/slack/blocks/ids.js';
import { rotationNoteModal, rotationOutcomeView } from '../src/slack/blocks/rotation-note-modal.js';
import { clickContext, rotationButton, viewSubmissionPayload } from '../src/slack/payloads.js';
import { readRotationMetadata, readTaskNote } from '../src/slack/task-payloads.js';
import { tellClicker } from './click-notice.js';
import type { CommandDeps } from './deps.js';

const DAMAGED = 'This button does not name a rotation task I know, so nothing was recorded. Use the buttons on the checklist.';
const NO_REASON = 'Say why it needs no rotation: the evidence records it with your name.';

/** What the person who clicked is told; nothing when the closing was recorded (the checklist shows it). */
export function rotationNotice(c: RotationClosing): string | undefined {
  switch (c.kind) {
    case 'closed':
      return undefined;
    case 'queued':
      return c.text;
    case 'already':
      return `This rotation task was already closed by <@${c.by}> ${slackDate(c.at)}; nothing more was recorded.`;
    case 'refused':
      return c.reason;
  }
}

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** Reads a rotation button from an acknowledged click; a damaged one is answered and yields nothing. */
async function readRotationClick({ body, client }: ButtonArgs, deps: CommandDeps) {
  const click = clickContext.safeParse(body);
  if (!click.success) return undefined;
  const button = rotationButton.safeParse(body);
  if (!button.success) {
    deps.logger.warn({ user: click.data.user.id }, 'refused a rotation click that names no task');
    await tellClicker(client, click.data, DAMAGED);
    return undefined;
  }
  const [requestId, code] = button.data.actions[0].value.split('|') as [string, string];
  return { click: click.data, requestId, code };
}

/** Rotated myself: recorded at once as attested by whoever clicked, if they may; anyone else is told why not. */
export function rotatedMyselfButton(deps: CommandDeps) {
  return async (args: ButtonArgs) => {
    await args.ack();
    const read = await readRotationClick(args, deps);
    if (!read) return;
    const outcome = await deps.rotations.close(read.requestId, read.code, read.click.user.id, 'rotated_myself');
    deps.logger.info({ requestId: read.requestId, task: read.code, user: read.click.user.id, outcome: outcome.kind }, 'rotated myself clicked');
    const text = rotationNotice(outcome);
    if (text) await tellClicker(args.client, read.click, text);
  };
}

/** Rotate for me: recorded at once if the clicker may, the replacement made by a job; the clicker is told what happens next. */
export function rotateForMeButton(deps: CommandDeps) {
  return async (args: ButtonArgs) => {
    await args.ack();
    const read = await readRotationClick(args, deps);
    if (!read) return;
    const outcome = await deps.rotations.rotateForMe(read.requestId, read.code, read.click.user.id);
    deps.logger.info({ requestId: read.requestId, task: read.code, user: read.click.user.id, outcome: outcome.kind }, 'rotate for me clicked');
    const text = rotationNotice(outcome);
    if (text) await tellClicker(args.client, read.click, text);
  };
}

/** Switched: recorded at once if the clicker may; a job checks the old credential's last use, then disables it or says why not. */
export function rotationSwitchedButton(deps: CommandDeps) {
  return async (args: ButtonArgs) => {
    await args.ack();
    const read = await readRotationClick(args, deps);
    if (!read) return;
    const outcome = await deps.rotations.switched(read.requestId, read.code, read.click.user.id);
    deps.logger.info({ requestId: read.requestId, task: read.code, user: read.click.user.id, outcome: outcome.kind }, 'rotation switched clicked');
    const text = rotationNotice(outcome);
    if (text) await tellClicker(args.client, read.click, text);
  };
}

/** Not needed: opens the reason modal, but only for someone who may close the open task. */
export function rotationNotNeededButton(deps: CommandDeps) {
  return async (args: ButtonArgs) => {
    await args.ack();
    const read = await readRotationClick(args, deps);
    if (!read) return;
    const refused = await deps.rotations.mayClose(read.requestId, read.code, read.click.user.id);
    if (refused) return tellClicker(args.client, read.click, rotationNotice(refused)!);
    if (!read.click.trigger_id)
      return tellClicker(args.client, read.click, 'Slack sent this click without a way to open the reason form; click Not needed again.');
    const label = await deps.rotations.label(read.requestId, read.code);
    await args.client.views.open({ trigger_id: read.click.trigger_id, view: rotationNoteModal(read.requestId, read.code, label) });
  };
}

/** The reason modal's submit: the reason is checked in the modal, then the closing is made (and re-checked) after the answer. */
export function rotationNoteSubmission(deps: CommandDeps) {
  return async ({ ack, body, client }: SlackViewMiddlewareArgs & AllMiddlewareArgs) => {
    const parsed = viewSubmissionPayload.safeParse(body);
    const task = parsed.success ? readRotationMetadata(parsed.data.view.private_metadata) : undefined;
    if (!parsed.success || !task) {
      return ack({
        response_action: 'errors',
        errors: { [FIELDS.taskNote]: 'This form arrived in a shape I cannot read; close it and click Not needed again.' },
      });
    }
    const note = readTaskNote(parsed.data.view.state?.values, NO_REASON);
    if (!note.ok) return ack({ response_action: 'errors', errors: { [FIELDS.taskNote]: note.error } });
    await ack({ response_action: 'update', view: rotationOutcomeView(':hourglass_flowing_sand: Recording…') });
    const outcome = await deps.rotations.close(task.requestId, task.code, parsed.data.user.id, 'not_needed', note.note);
    deps.logger.info({ requestId: task.requestId, task: task.code, user: parsed.data.user.id, outcome: outcome.kind }, 'rotation not needed submitted');
    await client.views.update({
      view_id: parsed.data.view.id,
      view: rotationOutcomeView(rotationNotice(outcome) ?? ':ballot_box_with_check: Recorded: no rotation needed, attested by you, with your reason.'),
    });
  };
}
