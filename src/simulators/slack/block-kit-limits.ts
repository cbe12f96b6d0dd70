import { SlackMethodError } from './slack-state.js';

/**
 * The limits Slack documents for Block Kit (docs.slack.dev, reference/block-kit: blocks, block
 * elements, composition objects; reference/views), checked as Slack does: a payload over any of them
 * is refused whole. Each problem is named as Slack names it, `[ERROR] … [json-pointer:/blocks/3/text/text]`.
 */
export const BLOCK_KIT_LIMITS = {
  /** "You can include up to 50 blocks in each message, and 100 blocks in modals or Home tabs." */
  messageBlocks: 50,
  viewBlocks: 100,
  /** chat.postMessage `msg_too_long`; Slack's documented ceiling for a message's `text`. */
  messageText: 40_000,
  /**
   * chat.postMessage / chat.update `msg_blocks_too_long`: the text of all blocks together. Not in the
   * reference; Slack's engineers gave it as 12,000 characters (slackapi/bolt-js#2509, #2867).
   */
  messageBlocksText: 12_000,
  text: 3000,
  sectionField: 2000,
  sectionFields: 10,
  contextElements: 10,
  header: 150,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  id: 255,
  options: 100,
  optionText: 75,
  optionValue: 150,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  inputLabel: 2000,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
} as const;

const L = BLOCK_KIT_LIMITS;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

class Checker {
  readonly problems: string[] = [];
  /** Every text of the blocks, summed: what `msg_blocks_too_long` counts. */
  textLength = 0;

  private fail(message: string, pointer: string) {
    this.problems.push(`[ERROR] ${message} [json-pointer:${pointer}]`);
  }

  length(value: unknown, max: number, pointer: string, { required = true } = {}) {
    if (value === undefined && !required) return;
    if (typeof value !== 'string') return this.fail('must be a string', pointer);
    if (value.length === 0 && required) return this.fail('must be more than 0 characters', pointer);
    if (value.length > max) this.fail(`must be less than ${max + 1} characters`, pointer);
  }

  items(value: unknown, max: number, pointer: string): unknown[] {
    if (!Array.isArray(value)) {
      this.fail('must provide an array', pointer);
      return [];
    }
    if (value.length > max) this.fail(`no more than ${max} items allowed`, pointer);
    return value;
  }

  /** A text object: plain_text or mrkdwn (`plainOnly` where Slack takes plain text alone). */
  text(value: unknown, max: number, pointer: string, { plainOnly = false, required = true } = {}) {
    if (value === undefined && !required) return;
    if (!isObj(value)) return this.fail('must provide an object', pointer);
    if (value.type !== 'plain_text' && (plainOnly || value.type !== 'mrkdwn'))
      this.fail(`must be ${plainOnly ? 'plain_text' : 'plain_text or mrkdwn'}`, `${pointer}/type`);
    if (typeof value.text === 'string') this.textLength += value.text.length;
    this.length(value.text, max, `${pointer}/text`);
  }

  blocks(value: unknown, max: number, pointer: string) {
    this.items(value, max, pointer).forEach((b, i) => {
      this.block(b, `${pointer}/${i}`);
    });
  }

  private block(b: unknown, p: string) {
    if (!isObj(b)) return this.fail('must provide an object', p);
    this.length(b.block_id, L.id, `${p}/block_id`, { required: false });
    switch (b.type) {
      case 'section':
        if (b.text === undefined && b.fields === undefined) this.fail('must provide text or fields', p);
        this.text(b.text, L.text, `${p}/text`, { required: false });
        if (b.fields !== undefined)
          this.items(b.fields, L.sectionFields, `${p}/fields`).forEach((f, i) => {
            this.text(f, L.sectionField, `${p}/fields/${i}`);
          });
        if (b.accessory !== undefined) this.element(b.accessory, `${p}/accessory`);
        return;
      case 'context':
        this.items(b.elements, L.contextElements, `${p}/elements`).forEach((e, i) => {
          if (!(isObj(e) && e.type === 'image')) this.text(e, L.text, `${p}/elements/${i}`);
        });
        return;
      case 'header':
        return this.text(b.text, L.header, `${p}/text`, { plainOnly: true });
      case 'actions':
        this.items(b.elements, L.actionsElements, `${p}/elements`).forEach((e, i) => {
          this.element(e, `${p}/elements/${i}`);
        });
        return;
      case 'input':
        this.text(b.label, L.inputLabel, `${p}/label`, { plainOnly: true });
        this.text(b.hint, L.inputLabel, `${p}/hint`, { plainOnly: true, required: false });
        return this.element(b.element, `${p}/element`);
      case 'divider':
      case 'image':
      case 'rich_text':
      case 'markdown':
        return;
      default:
        this.fail(`unsupported block type "${String(b.type)}"`, `${p}/type`);
    }
  }

  private element(e: unknown, p: string) {
    if (!isObj(e)) return this.fail('must provide an object', p);
    this.length(e.action_id, L.id, `${p}/action_id`, { required: false });
    if (e.confirm !== undefined) this.confirm(e.confirm, `${p}/confirm`);
    if (e.type === 'button') {
      this.text(e.text, L.buttonText, `${p}/text`, { plainOnly: true });
      this.length(e.value, L.buttonValue, `${p}/value`, { required: false });
      this.length(e.url, L.url, `${p}/url`, { required: false });
    }
    if (e.placeholder !== undefined) this.text(e.placeholder, 150, `${p}/placeholder`, { plainOnly: true });
    if (e.options !== undefined)
      this.items(e.options, L.options, `${p}/options`).forEach((o, i) => {
        this.option(o, `${p}/options/${i}`);
      });
    if (e.option_groups !== undefined) this.items(e.option_groups, L.options, `${p}/option_groups`);
  }

  private option(o: unknown, p: string) {
    if (!isObj(o)) return this.fail('must provide an object', p);
    this.text(o.text, L.optionText, `${p}/text`);
    this.length(o.value, L.optionValue, `${p}/value`);
  }

  private confirm(c: unknown, p: string) {
    if (!isObj(c)) return this.fail('must provide an object', p);
    this.text(c.title, L.confirmTitle, `${p}/title`, { plainOnly: true });
    this.text(c.text, L.confirmText, `${p}/text`);
    this.text(c.confirm, L.confirmButton, `${p}/confirm`, { plainOnly: true });
    this.text(c.deny, L.confirmButton, `${p}/deny`, { plainOnly: true });
  }
}

/**
 * A message's `text` and `blocks` as chat.postMessage, chat.update, chat.postEphemeral and a
 * response_url take them: `msg_too_long`, `invalid_blocks`, and (`countBlocksText`, for
 * chat.postMessage and chat.update) `msg_blocks_too_long`.
 */
export function checkMessage(text: unknown, blocks: unknown, { countBlocksText }: { countBlocksText: boolean }): void {
  if (typeof text === 'string' && text.length > L.messageText) throw new SlackMethodError('msg_too_long');
  if (blocks === undefined) return;
  const check = new Checker();
  check.blocks(blocks, L.messageBlocks, '/blocks');
  if (check.problems.length) throw new SlackMethodError('invalid_blocks', { response_metadata: { messages: check.problems } });
  if (countBlocksText && check.textLength > L.messageBlocksText) throw new SlackMethodError('msg_blocks_too_long');
}

/** A modal or Home tab as views.open, views.push, views.update and views.publish take it: `invalid_arguments`. */
export function checkView(view: Obj): void {
  const check = new Checker();
  if (view.type === 'modal') {
    check.text(view.title, L.viewTitle, '/view/title', { plainOnly: true });
    check.text(view.submit, L.viewButton, '/view/submit', { plainOnly: true, required: false });
    check.text(view.close, L.viewButton, '/view/close', { plainOnly: true, required: false });
  }
  check.length(view.private_metadata, L.privateMetadata, '/view/private_metadata', { required: false });
  check.length(view.callback_id, L.id, '/view/callback_id', { required: false });
  if (view.blocks !== undefined) check.blocks(view.blocks, L.viewBlocks, '/view/blocks');
  if (check.problems.length) throw new SlackMethodError('invalid_arguments', { response_metadata: { messages: check.problems } });
}

/**
 * What Slack makes of an app's answer to a command, a click or a submission (the HTTP response, or
 * the Socket Mode ack's payload): the view it pushes or updates, or the message it shows, checked
 * like the Web API's. Undefined when Slack would take it; else the error and what is wrong.
 */
export function refusalOfAnswer(answer: unknown): string | undefined {
  if (!isObj(answer)) return undefined;
  try {
    if ((answer.response_action === 'update' || answer.response_action === 'push') && isObj(answer.view)) checkView(answer.view);
    else if (answer.response_action === undefined) checkMessage(answer.text, answer.blocks, { countBlocksText: false });
  } catch (err) {
    if (!(err instanceof SlackMethodError)) throw err;
    const messages = (err.extra.response_metadata as { messages?: string[] } | undefined)?.messages ?? [];
    return [err.error, ...messages].join(' ');
  }
  return undefined;
}
