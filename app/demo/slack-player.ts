import { ACTIONS, COMMAND, FIELDS, inputAction, VIEWS } from '../../src/slack/blocks/ids.js';
import type { SlackResponse } from '../../src/simulators/slack/index.js';
import type { LocalStack } from './local-stack.js';
import { requestFormValues, type FormAnswers } from './request-form-values.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL } from './workspace.js';
import { rotationButtonValue, taskButtonValue } from '../../src/slack/payloads.js';

/** Request ids, wherever a message names them. */
const REQUEST_IDS = /OFF-[0-9A-Z]{6}/g;

/**
 * Does in the simulated workspace what people do in Slack: type the command, fill the modal, click.
 * The bot answers each of these as soon as its listener acknowledges and goes on working after; the
 * player returns the answer only once the bot has finished handling everything it was sent, so what
 * comes next sees the outcome. To see the answer alone, send through `stack.events`.
 */
export class SlackPlayer {
  constructor(private readonly stack: LocalStack) {}

  /** Resolves once the bot has answered every request sent to it and its listeners have finished. */
  settled(): Promise<void> {
    return this.stack.bot.settled();
  }

  /** Slack refuses an answer past Block Kit's limits (the user sees an error instead): so does the player. */
  private async handled<T extends SlackResponse>(answer: Promise<T>): Promise<T> {
    const res = await answer;
    await this.settled();
    if (res.refused) throw new Error(`Slack would refuse the bot's answer: ${res.refused}`);
    return res;
  }

  async openForm(userId: string, text = '') {
    const opened = () => this.stack.slack.views.filter((v) => v.userId === userId && v.kind === 'open');
    const before = opened().length;
    const res = await this.handled(this.stack.events.slashCommand({ command: COMMAND, text, userId, channelId: GENERAL_CHANNEL }));
    if (res.status !== 200) throw new Error(`/offboard answered HTTP ${res.status}: ${res.body}`);
    // The modal this command opened, not an earlier one: the bot may open it after answering.
    const view = await this.stack.slack.waitFor(() => opened()[before]);
    return { response: res, view };
  }

  /**
   * Opens the form, picks the people in it as a person would (Slack sends each pick to the bot),
   * and submits these answers; returns Slack's HTTP answer to the submission.
   */
  async submitForm(userId: string, answers: FormAnswers) {
    const { view } = await this.openForm(userId);
    const v = view.view as { callback_id: string; private_metadata?: string };
    for (const [block, picked] of [
      [FIELDS.person, answers.person],
      [FIELDS.successor, answers.successor],
    ] as const) {
      if (picked) await this.pick(userId, { ...view.view, id: view.id }, block, picked);
    }
    return this.handled(
      this.stack.events.viewSubmission({
        userId,
        view: { id: view.id, callback_id: v.callback_id ?? VIEWS.request, private_metadata: v.private_metadata },
        values: requestFormValues(answers),
      }),
    );
  }

  /** The request form last opened for `userId`. */
  lastForm(userId: string) {
    return this.stack.slack.views.filter((v) => v.userId === userId && v.kind === 'open').at(-1);
  }

  /** Picks someone in one of the form's people pickers; `view` is the modal as Slack holds it, with its id. */
  async pick(userId: string, view: { id: string }, block: string, picked: string) {
    const res = await this.handled(this.stack.events.blockAction({ userId, actionId: inputAction(block), blockId: block, value: picked, view }));
    if (res.status !== 200) throw new Error(`picking in ${block} answered HTTP ${res.status}: ${res.body}`);
  }

  /**
   * Submits a valid request and returns its id, read from the approval message posted for it,
   * once that message shows the read-only preview, as an approver would see it.
   */
  async request(userId: string, answers: FormAnswers, { awaitPreview = true } = {}): Promise<string> {
    // Requests already announced, and anything else about them that lands in the channel later (a
    // broadcast reply, an update), are not this one: its approval message names a request id new here.
    const known = new Set(this.stack.slack.messages(APPROVAL_CHANNEL).flatMap((m) => m.text.match(REQUEST_IDS) ?? []));
    const res = await this.submitForm(userId, answers);
    if (res.status !== 200 || (res.json as { response_action?: string } | undefined)?.response_action === 'errors') {
      throw new Error(`request refused: ${res.body}`);
    }
    // The approval message is posted by a worker, which may be a process still starting up.
    const id = await this.stack.slack.waitFor(
      () =>
        this.stack.slack
          .messages(APPROVAL_CHANNEL)
          .filter((m) => !m.thread_ts)
          .flatMap((m) => m.text.match(REQUEST_IDS) ?? [])
          .find((found) => !known.has(found)),
      { timeoutMs: 15_000 },
    );
    if (awaitPreview)
      await this.stack.slack.waitFor(() => !JSON.stringify(this.approvalMessage(id)?.blocks).includes('Checking what they hold'), { timeoutMs: 15_000 });
    return id;
  }

  approvalMessage(requestId: string) {
    return this.stack.slack.messages(APPROVAL_CHANNEL).find((m) => m.text.includes(requestId) && !m.thread_ts);
  }

  /** A bulk request's combined checklist in the approval channel (one line per person). */
  batchChecklist(batchId: string) {
    return this.stack.slack.messages(APPROVAL_CHANNEL).find((m) => !m.thread_ts && m.text.startsWith(`Bulk request ${batchId}:`));
  }

  /** Clicks a button of the request's approval message: Approve, Reject. */
  async click(userId: string, action: keyof typeof ACTIONS, requestId: string) {
    return this.handled(this.send(userId, action, requestId, 'approval'));
  }

  /** Clicks "Retry failed steps" on the request's checklist. */
  retry(userId: string, requestId: string) {
    return this.checklistButton(userId, 'retry', requestId);
  }

  /** Clicks a button under the request's checklist: Retry failed steps, Reinstate, End grace period now, the evidence's. */
  async checklistButton(userId: string, action: 'retry' | 'retryBatch' | 'reinstate' | 'endGrace' | 'downloadEvidence' | 'generateReport', requestId: string) {
    return this.handled(this.send(userId, action, requestId, 'checklist'));
  }

  /**
   * Sends a click on a button of the request's approval message or checklist as Slack does, and
   * resolves with Slack's HTTP answer, without waiting for the listener's work after it.
   */
  send(userId: string, action: keyof typeof ACTIONS, requestId: string, on: 'approval' | 'checklist') {
    const message = on === 'approval' ? this.approvalMessage(requestId) : this.checklist(requestId);
    if (!message) throw new Error(`no ${on} message for ${requestId}`);
    return this.stack.events.blockAction({
      userId,
      actionId: ACTIONS[action],
      blockId: `${on === 'approval' ? 'decide' : 'checklist'}.${requestId}`,
      value: requestId,
      channel: APPROVAL_CHANNEL,
      messageTs: message.ts,
    });
  }

  /** Clicks Done or Not applicable… on a manual task (`stepId`) of the request's checklist, or on one of its items (`item`, its `itemTaskCode`). */
  async task(userId: string, action: 'taskDone' | 'taskNotApplicable', requestId: string, stepId: string, item?: string) {
    const message = this.checklist(requestId);
    if (!message) throw new Error(`no checklist for ${requestId}`);
    return this.handled(
      this.stack.events.blockAction({
        userId,
        actionId: ACTIONS[action],
        blockId: item ? `item.${item}` : `task.${stepId}`,
        value: taskButtonValue(requestId, stepId, item),
        channel: APPROVAL_CHANNEL,
        messageTs: message.ts,
      }),
    );
  }

  /** Clicks Rotated myself, Not needed…, Rotate for me or Switched on a rotation task (`code`, its `rotationCode`) of the request's checklist. */
  async rotation(userId: string, action: 'rotatedMyself' | 'rotationNotNeeded' | 'rotateForMe' | 'rotationSwitched', requestId: string, code: string) {
    const message = this.checklist(requestId);
    if (!message) throw new Error(`no checklist for ${requestId}`);
    return this.handled(
      this.stack.events.blockAction({
        userId,
        actionId: ACTIONS[action],
        blockId: `rotation.${code}`,
        value: rotationButtonValue(requestId, code),
        channel: APPROVAL_CHANNEL,
        messageTs: message.ts,
      }),
    );
  }

  /** Submits the rotation's Not needed modal with this reason (null: left empty). */
  async submitRotationNote(userId: string, viewId: string, note: string | null) {
    return this.handled(
      this.stack.events.viewSubmission({
        userId,
        view: { id: viewId, callback_id: VIEWS.rotationNote },
        values: { [FIELDS.taskNote]: { [inputAction(FIELDS.taskNote)]: { type: 'plain_text_input', value: note } } },
      }),
    );
  }

  /** Submits the Not applicable modal with this note (null: left empty). */
  async submitTaskNote(userId: string, viewId: string, note: string | null) {
    return this.handled(
      this.stack.events.viewSubmission({
        userId,
        view: { id: viewId, callback_id: VIEWS.taskNote },
        values: { [FIELDS.taskNote]: { [inputAction(FIELDS.taskNote)]: { type: 'plain_text_input', value: note } } },
      }),
    );
  }

  /** The evidence PDF uploaded to the request's thread, once the run has finished. */
  async evidence(requestId: string, timeoutMs = 20_000, round = 1) {
    const name = `${requestId}${round > 1 ? `-round${round}` : ''}.pdf`;
    return this.stack.slack.waitFor(() => this.stack.slack.files.find((f) => f.filename.endsWith(name)), { timeoutMs });
  }

  checklist(requestId: string) {
    const approval = this.approvalMessage(requestId);
    if (!approval) return undefined;
    return this.stack.slack.thread(APPROVAL_CHANNEL, approval.ts).find((m) => m.text.startsWith('Revocation checklist'));
  }
}
