import { randomHex, slackId } from './ids.js';
import type { SlackSimulator } from './types.js';

export interface SlackPayloadsOptions {
  /** Default: simulator.teamId, else 'T0SIM0001'. */
  teamId?: string;
  /** Fills trigger ids, response URLs, user names, messages and views from the simulated workspace. */
  simulator?: SlackSimulator;
  /** Default 'A0SIM0001'. */
  apiAppId?: string;
}

export interface SlashCommandArgs {
  command: string;
  text: string;
  userId: string;
  channelId: string;
  /** Default: simulator.issueTriggerId(userId). */
  triggerId?: string;
}

export interface BlockActionArgs {
  userId: string;
  actionId: string;
  blockId?: string;
  value?: string;
  channel?: string;
  messageTs?: string;
  triggerId?: string;
  /** The view the action happened in (modal or home); then no channel/message is sent. */
  view?: unknown;
}

export interface ViewSubmissionArgs {
  userId: string;
  view: { id: string; callback_id: string; private_metadata?: string; blocks?: unknown[] };
  /** Slack's view.state.values shape: block_id → action_id → value object. */
  values: Record<string, Record<string, unknown>>;
}

/**
 * What Slack sends an app for slash commands, interactions and Events API callbacks, shaped like
 * Slack's own payloads. The same payloads travel over signed HTTP or as Socket Mode envelopes.
 */
export class SlackPayloads {
  private readonly teamId: string;
  private readonly simulator: SlackSimulator | undefined;
  private readonly apiAppId: string;
  private readonly verificationToken = 'simVerificationToken0001';

  constructor(opts: SlackPayloadsOptions = {}) {
    this.simulator = opts.simulator;
    this.teamId = opts.teamId ?? opts.simulator?.teamId ?? 'T0SIM0001';
    this.apiAppId = opts.apiAppId ?? 'A0SIM0001';
  }

  /** A slash command's fields, as Slack form-encodes them (HTTP) or sends them as JSON (Socket Mode). */
  slashCommand(a: SlashCommandArgs): Record<string, string> {
    const form: Record<string, string> = {
      token: this.verificationToken,
      team_id: this.teamId,
      team_domain: 'sim-workspace',
      channel_id: a.channelId,
      channel_name: channelName(a.channelId),
      user_id: a.userId,
      user_name: this.userName(a.userId),
      command: a.command,
      text: a.text,
      api_app_id: this.apiAppId,
      is_enterprise_install: 'false',
      response_url: this.responseUrl({ channel: a.channelId, userId: a.userId }),
      trigger_id: a.triggerId ?? this.triggerId(a.userId),
    };
    return form;
  }

  blockAction(a: BlockActionArgs): Record<string, unknown> {
    const actionTs = nowTs();
    const view = a.view as Record<string, unknown> | undefined;
    const message = this.findMessage(a.channel, a.messageTs);
    const element = findElement(view?.blocks ?? message?.blocks, a.actionId, a.blockId);
    const action: Record<string, unknown> = {
      action_id: a.actionId,
      block_id: a.blockId ?? element?.blockId ?? slackId('', 5),
      type: element?.element.type ?? 'button',
      action_ts: actionTs,
      ...actionValue(element?.element, a.value),
    };
    const payload: Record<string, unknown> = {
      type: 'block_actions',
      user: this.userRef(a.userId),
      api_app_id: this.apiAppId,
      token: this.verificationToken,
      trigger_id: a.triggerId ?? this.triggerId(a.userId),
      team: { id: this.teamId, domain: 'sim-workspace' },
      enterprise: null,
      is_enterprise_install: false,
      actions: [action],
    };
    if (view) {
      payload.container = { type: 'view', view_id: view.id };
      payload.view = view;
    } else if (a.channel !== undefined) {
      const messageTs = a.messageTs ?? nowTs();
      payload.container = {
        type: 'message',
        message_ts: messageTs,
        channel_id: a.channel,
        is_ephemeral: a.messageTs === undefined,
      };
      payload.channel = { id: a.channel, name: channelName(a.channel) };
      payload.message = message
        ? {
            type: 'message',
            user: message.user,
            text: message.text,
            blocks: message.blocks,
            ts: message.ts,
            ...(message.thread_ts !== undefined ? { thread_ts: message.thread_ts } : {}),
          }
        : { type: 'message', text: '', ts: messageTs };
      payload.state = { values: {} };
      payload.response_url = this.responseUrl({ channel: a.channel, userId: a.userId, messageTs: a.messageTs });
    }
    return payload;
  }

  viewSubmission(a: ViewSubmissionArgs): Record<string, unknown> {
    const known = this.simulator?.view(a.view.id);
    const view: Record<string, unknown> = {
      id: a.view.id,
      team_id: this.teamId,
      type: 'modal',
      blocks: [],
      private_metadata: '',
      callback_id: a.view.callback_id,
      hash: `${Math.floor(Date.now() / 1000)}.${randomHex(4)}`,
      title: { type: 'plain_text', text: 'Modal', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: { type: 'plain_text', text: 'Submit', emoji: true },
      previous_view_id: null,
      root_view_id: a.view.id,
      app_id: this.apiAppId,
      external_id: '',
      app_installed_team_id: this.teamId,
      bot_id: this.simulator?.botId ?? 'B0BOT0001',
      ...known,
      ...stripUndefined(a.view),
      state: { values: a.values },
    };
    return {
      type: 'view_submission',
      team: { id: this.teamId, domain: 'sim-workspace' },
      user: this.userRef(a.userId),
      api_app_id: this.apiAppId,
      token: this.verificationToken,
      trigger_id: this.triggerId(a.userId),
      view,
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
  }

  /** An Events API callback, e.g. `{type: 'app_home_opened', user, channel, tab: 'home'}`. */
  event(event: Record<string, unknown>): Record<string, unknown> {
    const eventTime = Math.floor(Date.now() / 1000);
    const body = {
      token: this.verificationToken,
      team_id: this.teamId,
      api_app_id: this.apiAppId,
      event: { event_ts: nowTs(), ...event },
      type: 'event_callback',
      event_id: slackId('Ev'),
      event_time: eventTime,
      authorizations: [
        {
          enterprise_id: null,
          team_id: this.teamId,
          user_id: this.simulator?.botUserId ?? 'U0BOT0001',
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
      event_context: `4-${randomHex(24)}`,
    };
    return body;
  }

  private triggerId(userId: string): string {
    return this.simulator?.issueTriggerId(userId) ?? `${Date.now()}.738474920.${randomHex(16)}`;
  }

  private responseUrl(ctx: { channel?: string; userId?: string; messageTs?: string | undefined }): string {
    if (!this.simulator) return `https://hooks.slack.com/commands/${this.teamId}/${Date.now()}/${randomHex(12)}`;
    return this.simulator.responseUrl({
      ...(ctx.channel !== undefined ? { channel: ctx.channel } : {}),
      ...(ctx.userId !== undefined ? { userId: ctx.userId } : {}),
      ...(ctx.messageTs !== undefined ? { messageTs: ctx.messageTs } : {}),
    });
  }

  private userName(userId: string): string {
    return this.simulator?.user(userId)?.name ?? userId.toLowerCase();
  }

  private userRef(userId: string) {
    const name = this.userName(userId);
    return { id: userId, username: name, name, team_id: this.teamId };
  }

  private findMessage(channel: string | undefined, ts: string | undefined) {
    if (!this.simulator || channel === undefined || ts === undefined) return undefined;
    return this.simulator.message(channel, ts);
  }
}

function nowTs(): string {
  const micros = Date.now() * 1000;
  return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

function channelName(channelId: string): string {
  if (channelId.startsWith('D')) return 'directmessage';
  if (channelId.startsWith('G')) return 'privategroup';
  return `sim-${channelId.toLowerCase()}`;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

type Element = Record<string, unknown> & { type?: string; action_id?: string };

/** Finds the interactive element with `actionId` in Block Kit blocks (actions, section accessory, input). */
function findElement(blocks: unknown, actionId: string, blockId?: string): { blockId: string; element: Element } | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const raw of blocks) {
    const block = raw as { block_id?: string; elements?: unknown[]; accessory?: unknown; element?: unknown };
    if (blockId !== undefined && block.block_id !== blockId) continue;
    const candidates = [...(Array.isArray(block.elements) ? block.elements : []), block.accessory, block.element];
    for (const c of candidates) {
      const el = c as Element | undefined;
      if (el && typeof el === 'object' && el.action_id === actionId) {
        return { blockId: block.block_id ?? slackId('', 5), element: el };
      }
    }
  }
  return undefined;
}

/** The value fields Slack sends for an element type. */
function actionValue(element: Element | undefined, value: string | undefined): Record<string, unknown> {
  const type = element?.type ?? 'button';
  switch (type) {
    case 'static_select':
    case 'external_select':
    case 'overflow':
    case 'radio_buttons': {
      const options = (element?.options as { value?: string; text?: unknown }[] | undefined) ?? [];
      const option = options.find((o) => o.value === value);
      return { selected_option: option ?? { text: { type: 'plain_text', text: value ?? '' }, value } };
    }
    case 'users_select':
      return { selected_user: value };
    case 'conversations_select':
      return { selected_conversation: value };
    case 'channels_select':
      return { selected_channel: value };
    case 'datepicker':
      return { selected_date: value };
    default: {
      const v = value ?? (typeof element?.value === 'string' ? element.value : undefined);
      return {
        ...(element?.text !== undefined ? { text: element.text } : {}),
        ...(v !== undefined ? { value: v } : {}),
      };
    }
  }
}
