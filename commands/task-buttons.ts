import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import type { Attestation } from '../src/runs/task-desk.js';
import { slackDate } from '../src/slack/blocks/block-kit.js';
import { FIELDS } from '../src/slack/blocks/ids.js';
import { taskNoteModal, taskOutcomeView } from '../src/slack/blocks/task-note-modal.js';
import { clickContext, taskButton, viewSubmissionPayload } from '../src/slack/payloads.js';
import { readTaskMetadata, readTaskNote } from '../src/slack/task-payloads.js';
import { tellClicker } from './click-notice.js';
import type { CommandDeps } from './deps.js';

const DAMAGED = 'This button does not name a task I know, so nothing was recorded. Use the buttons on the checklist.';

/** What the person who clicked is told; nothing when their attestation was recorded (the checklist shows it). */
export function attestationNotice(a: Attestation): string | undefined {
  switch (a.kind) {
    case 'attested':
      return undefined;
    case 'already':
      return `This task was already attested by <@${a.by}> ${slackDate(a.at)}; nothing more was recorded.`;
    case 'refused':
    case 'not_open':
      return a.reason;
  }
}

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** Reads a task button from an acknowledged click; a damaged one is answered and yields nothing. */
async function readTaskClick({ body, client }: ButtonArgs, deps: CommandDeps) {
  const click = clickContext.safeParse(body);
  if (!click.success) return undefined;
  const button = taskButton.safeParse(body);
  if (!button.success) {
    deps.logger.warn({ user: click.data.user.id }, 'refused a task click that names no task');
    await tellClicker(client, click.data, DAMAGED);
    return undefined;
  }
  const [requestId, stepId, item] = button.data.actions[0].value.split('|') as [string, string, string | undefined];
  return { click: click.data, requestId, stepId, item };
}

/** Done: attested at once by whoever clicked, if they may; anyone else is told why not, and nothing changes. */
export function taskDoneButton(deps: CommandDeps) {
  return async (args: ButtonArgs) => {
    await args.ack();
    const read = await readTaskClick(args, deps);
    if (!read) return;
    const outcome = await deps.tasks.attest(read.requestId, read.stepId, read.click.user.id, 'done', undefined, read.item);
    deps.logger.info({ requestId: read.requestId, stepId: read.stepId, item: read.item, user: read.click.user.id, outcome: outcome.kind }, 'task done clicked');
    const text = attestationNotice(outcome);
    if (text) await tellClicker(args.client, read.click, text);
  };
}

/** Not applicable: opens the note modal, but only for someone who may attest the open task. */
export function taskNotApplicableButton(deps: CommandDeps) {
  return async (args: ButtonArgs) => {
    await args.ack();
    const read = await readTaskClick(args, deps);
    if (!read) return;
    const refused = await deps.tasks.mayAttest(read.requestId, read.stepId, read.click.user.id, read.item);
    if (refused) return tellClicker(args.client, read.click, attestationNotice(refused)!);
    if (!read.click.trigger_id)
      return tellClicker(args.client, read.click, 'Slack sent this click without a way to open the note form; click Not applicable again.');
    const title = await deps.tasks.title(read.requestId, read.stepId, read.item);
    await args.client.views.open({ trigger_id: read.click.trigger_id, view: taskNoteModal(read.requestId, read.stepId, title, read.item) });
  };
}

/** The note modal's submit: the note is checked in the modal, then the attestation is made (and re-checked) after the answer. */
export function taskNoteSubmission(deps: CommandDeps) {
  return async ({ ack, body, client }: SlackViewMiddlewareArgs & AllMiddlewareArgs) => {
    const parsed = viewSubmissionPayload.safeParse(body);
    const task = parsed.success ? readTaskMetadata(parsed.data.view.private_metadata) : undefined;
    if (!parsed.success || !task) {
      return ack({
        response_action: 'errors',
        errors: { [FIELDS.taskNote]: 'This form arrived in a shape I cannot read; close it and click Not applicable again.' },
      });
    }
    const note = readTaskNote(parsed.data.view.state?.values);
    if (!note.ok) return ack({ response_action: 'errors', errors: { [FIELDS.taskNote]: note.error } });
    await ack({ response_action: 'update', view: taskOutcomeView(':hourglass_flowing_sand: Recording…') });
    const outcome = await deps.tasks.attest(task.requestId, task.stepId, parsed.data.user.id, 'not_applicable', note.note, task.item);
    deps.logger.info(
      { requestId: task.requestId, stepId: task.stepId, item: task.item, user: parsed.data.user.id, outcome: outcome.kind },
      'task not applicable submitted',
    );
    await client.views.update({
      view_id: parsed.data.view.id,
      view: taskOutcomeView(attestationNotice(outcome) ?? ':ballot_box_with_check: Recorded: not applicable, attested by you, with your note.'),
    });
  };
}
