import { checkMessage, checkView } from './block-kit-limits.js';
import { randomHex, slackId } from './ids.js';
import { SlackMethodError, type SlackState } from './slack-state.js';
import type { SimMessage, SimMessageMetadata, SimSlackUser, SimViewKind } from './types.js';

export type Args = Record<string, unknown>;
export type MethodHandler = (state: SlackState, args: Args) => Record<string, unknown>;

// ---- argument helpers ----

function missing(field: string): SlackMethodError {
  return new SlackMethodError('invalid_arguments', {
    response_metadata: { messages: [`[ERROR] missing required field: ${field}`] },
  });
}

function reqStr(args: Args, field: string): string {
  const v = args[field];
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string' || v === '') throw missing(field);
  return v;
}

function optStr(args: Args, field: string): string | undefined {
  const v = args[field];
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function optBlocks(args: Args, field = 'blocks'): unknown[] | undefined {
  const v = args[field];
  if (v === undefined || v === '') return undefined;
  if (!Array.isArray(v)) throw new SlackMethodError('invalid_blocks_format');
  return v;
}

/** A boolean argument: JSON bodies send `true`, form-encoded ones the string 'true' (or '1'). */
function flag(args: Args, field: string): boolean {
  const v = args[field];
  return v === true || v === 'true' || v === '1';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function optMetadata(args: Args): SimMessageMetadata | undefined {
  const v = args.metadata;
  if (v === undefined || v === '') return undefined;
  if (!isObject(v) || typeof v.event_type !== 'string' || v.event_type === '' || !isObject(v.event_payload)) {
    throw new SlackMethodError('invalid_metadata_format');
  }
  return { event_type: v.event_type, event_payload: v.event_payload };
}

function reqObject(args: Args, field: string): Record<string, unknown> {
  const v = args[field];
  if (v === undefined || v === '') throw missing(field);
  if (!isObject(v)) throw new SlackMethodError('invalid_arguments');
  return v;
}

function channelOf(state: SlackState, args: Args, field = 'channel'): string {
  const channel = state.resolveChannel(reqStr(args, field));
  if (!channel) throw new SlackMethodError('channel_not_found');
  return channel;
}

function hasContent(args: Args): boolean {
  return optStr(args, 'text') !== undefined || args.blocks !== undefined || args.attachments !== undefined;
}

function userObject(state: SlackState, u: SimSlackUser): Record<string, unknown> {
  const displayName = u.name;
  return {
    id: u.id,
    team_id: state.teamId,
    name: u.name,
    deleted: u.deleted ?? false,
    real_name: u.realName,
    tz: u.tz ?? 'Europe/London',
    tz_label: u.tz ?? 'Europe/London',
    tz_offset: 0,
    is_admin: Boolean(u.isAdmin || u.isOwner),
    is_owner: u.isOwner ?? false,
    is_bot: u.isBot ?? false,
    is_app_user: false,
    updated: 1700000000,
    profile: {
      real_name: u.realName,
      real_name_normalized: u.realName,
      display_name: displayName,
      display_name_normalized: displayName,
      ...(u.email !== undefined ? { email: u.email } : {}),
      team: state.teamId,
    },
  };
}

function messageObject(state: SlackState, m: { ts: string; text: string; blocks: unknown[]; thread_ts?: string; user: string }) {
  return {
    type: 'message',
    user: m.user,
    ...(m.user === state.botUserId ? { bot_id: state.botId, app_id: state.appId } : {}),
    text: m.text,
    ...(m.blocks.length > 0 ? { blocks: m.blocks } : {}),
    ts: m.ts,
    ...(m.thread_ts !== undefined ? { thread_ts: m.thread_ts } : {}),
    team: state.teamId,
  };
}

// ---- reading messages back ----

/** Not a thread reply: what conversations.history lists. */
function isTopLevel(m: SimMessage): boolean {
  return m.thread_ts === undefined || m.thread_ts === m.ts;
}

/** A message as conversations.history / replies list it; Slack hides metadata unless asked for it. */
function listedMessage(state: SlackState, m: SimMessage, withMetadata: boolean): Record<string, unknown> {
  const replies = isTopLevel(m) ? state.channelMessages(m.channel).filter((r) => r.thread_ts === m.ts && r.ts !== m.ts) : [];
  return {
    ...messageObject(state, m),
    ...(replies.length > 0 ? { thread_ts: m.ts, reply_count: replies.length } : {}),
    ...(withMetadata && m.metadata !== undefined ? { metadata: m.metadata } : {}),
  };
}

const TS = /^\d+(\.\d+)?$/;

/** `oldest` / `latest` bound the range, exclusive unless `inclusive`; without `latest` nothing is too new. */
function inTimeRange(args: Args): (ts: string) => boolean {
  const oldest = optStr(args, 'oldest');
  const latest = optStr(args, 'latest');
  if (oldest !== undefined && !TS.test(oldest)) throw new SlackMethodError('invalid_ts_oldest');
  if (latest !== undefined && !TS.test(latest)) throw new SlackMethodError('invalid_ts_latest');
  const inclusive = flag(args, 'inclusive');
  const from = Number(oldest ?? 0);
  const to = latest !== undefined ? Number(latest) : Infinity;
  return (ts) => {
    const t = Number(ts);
    return inclusive ? t >= from && t <= to : t > from && t < to;
  };
}

/**
 * One page of `ordered` (newest first for history, oldest first for replies). The cursor is Slack's own
 * shape, base64 of `next_ts:<ts of the first message of the next page>`: a position in time rather than
 * an offset, so messages posted or deleted between pages neither repeat nor drop others.
 */
function pageOf(ordered: SimMessage[], args: Args, newestFirst: boolean) {
  const limitArg = optStr(args, 'limit');
  const limitNum = limitArg === undefined ? 100 : Number(limitArg);
  if (!Number.isInteger(limitNum) || limitNum < 1) throw new SlackMethodError('invalid_arguments');
  const limit = Math.min(limitNum, 999);
  const cursor = optStr(args, 'cursor');
  let start = 0;
  if (cursor !== undefined) {
    const nextTs = /^next_ts:(\d+\.\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'))?.[1];
    if (nextTs === undefined) throw new SlackMethodError('invalid_cursor');
    const from = Number(nextTs);
    const i = ordered.findIndex((m) => (newestFirst ? Number(m.ts) <= from : Number(m.ts) >= from));
    start = i < 0 ? ordered.length : i;
  }
  const page = ordered.slice(start, start + limit);
  const next = ordered[start + limit];
  return {
    page,
    has_more: next !== undefined,
    response_metadata: { next_cursor: next !== undefined ? Buffer.from(`next_ts:${next.ts}`).toString('base64') : '' },
  };
}

// ---- views ----

function viewHash(): string {
  return `${Math.floor(Date.now() / 1000)}.${randomHex(4)}`;
}

function storeView(
  state: SlackState,
  sent: Record<string, unknown>,
  id: string,
  kind: SimViewKind,
  links: { rootViewId: string | null; previousViewId: string | null; userId?: string; triggerId?: string },
): Record<string, unknown> {
  const type = sent.type;
  if (type !== 'modal' && type !== 'home') throw new SlackMethodError('invalid_arguments');
  if (type === 'modal' && sent.title === undefined) throw new SlackMethodError('invalid_arguments');
  if (sent.blocks !== undefined && !Array.isArray(sent.blocks)) throw new SlackMethodError('invalid_arguments');
  checkView(sent);
  const stored: Record<string, unknown> = {
    ...sent,
    id,
    team_id: state.teamId,
    type,
    blocks: sent.blocks ?? [],
    private_metadata: sent.private_metadata ?? '',
    callback_id: sent.callback_id ?? '',
    state: { values: {} },
    hash: viewHash(),
    clear_on_close: sent.clear_on_close ?? false,
    notify_on_close: sent.notify_on_close ?? false,
    close: sent.close ?? null,
    submit: sent.submit ?? null,
    previous_view_id: links.previousViewId,
    root_view_id: links.rootViewId ?? id,
    app_id: state.appId,
    external_id: sent.external_id ?? '',
    app_installed_team_id: state.teamId,
    bot_id: state.botId,
  };
  state.currentViews.set(id, stored);
  if (!state.viewOwner.has(id)) state.viewOwner.set(id, links.userId);
  state.views.push({
    id,
    kind,
    ...(links.triggerId !== undefined ? { triggerId: links.triggerId } : {}),
    ...(links.userId !== undefined ? { userId: links.userId } : {}),
    view: sent,
  });
  return stored;
}

/** Reading a channel's messages takes channels:history, a private channel's groups:history, a direct message's im:history. */
function needsHistoryScope(s: SlackState, channel: string): void {
  const needed = channel.startsWith('G') ? 'groups:history' : channel.startsWith('C') ? 'channels:history' : channel.startsWith('D') ? 'im:history' : undefined;
  if (needed && !s.botScopes.includes(needed)) throw new SlackMethodError('missing_scope', { needed, provided: s.botScopes.join(',') });
}

// ---- methods ----

export const WEB_API_METHODS: Record<string, MethodHandler> = {
  'auth.test': (s) => {
    const bot = s.users.get(s.botUserId);
    return {
      url: 'https://sim-workspace.slack.com/',
      team: 'Simulated Workspace',
      user: bot?.name ?? 'offboard-bot',
      team_id: s.teamId,
      user_id: s.botUserId,
      bot_id: s.botId,
      is_enterprise_install: false,
    };
  },

  'users.info': (s, a) => {
    const user = s.users.get(reqStr(a, 'user'));
    if (!user) throw new SlackMethodError('user_not_found');
    return { user: userObject(s, user) };
  },

  'users.lookupByEmail': (s, a) => {
    const email = reqStr(a, 'email').toLowerCase();
    const user = [...s.users.values()].find((u) => u.email?.toLowerCase() === email);
    if (!user) throw new SlackMethodError('users_not_found');
    return { user: userObject(s, user) };
  },

  'usergroups.users.list': (s, a) => {
    const members = s.usergroups.get(reqStr(a, 'usergroup'));
    if (!members) throw new SlackMethodError('no_such_subteam');
    return { users: [...members] };
  },

  'conversations.open': (s, a) => {
    const existing = optStr(a, 'channel');
    if (existing !== undefined) {
      const channel = s.resolveChannel(existing);
      if (!channel) throw new SlackMethodError('channel_not_found');
      return { no_op: true, already_open: true, channel: { id: channel } };
    }
    const userIds = reqStr(a, 'users')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    if (userIds.length === 0) throw missing('users');
    // As Slack: opening a direct message takes im:write, a group one mpim:write.
    const needed = userIds.length === 1 ? 'im:write' : 'mpim:write';
    if (!s.botScopes.includes(needed)) throw new SlackMethodError('missing_scope', { needed, provided: s.botScopes.join(',') });
    for (const id of userIds) {
      const user = s.users.get(id);
      if (!user) throw new SlackMethodError('user_not_found');
      if (user.deleted) throw new SlackMethodError('user_disabled');
    }
    if (userIds.length === 1) {
      const userId = userIds[0]!;
      const alreadyOpen = s.hasDm(userId);
      const id = s.dmChannelFor(userId);
      const channel = flag(a, 'return_im')
        ? { id, created: Math.floor(Date.now() / 1000), is_im: true, is_org_shared: false, user: userId, is_user_deleted: false, priority: 0 }
        : { id };
      return alreadyOpen ? { no_op: true, already_open: true, channel } : { channel };
    }
    const id = `G${[...userIds]
      .sort()
      .join('')
      .replace(/[^A-Z0-9]/g, '')
      .slice(0, 10)}`;
    const alreadyOpen = s.channels.has(id);
    s.channels.add(id);
    return alreadyOpen ? { no_op: true, already_open: true, channel: { id } } : { channel: { id } };
  },

  'chat.postMessage': (s, a) => {
    const channel = channelOf(s, a);
    if (!hasContent(a)) throw new SlackMethodError('no_text');
    const blocks = optBlocks(a) ?? [];
    checkMessage(a.text, a.blocks, { countBlocksText: true });
    const threadTs = optStr(a, 'thread_ts');
    const metadata = optMetadata(a);
    const msg = s.addMessage({
      channel,
      text: optStr(a, 'text') ?? '',
      blocks,
      user: s.botUserId,
      ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
      ...(metadata !== undefined ? { metadata } : {}),
    });
    return { channel, ts: msg.ts, message: messageObject(s, msg) };
  },

  'chat.update': (s, a) => {
    const channel = channelOf(s, a);
    const ts = reqStr(a, 'ts');
    const msg = s.findMessage(channel, ts);
    if (!msg) throw new SlackMethodError('message_not_found');
    if (msg.user !== s.botUserId) throw new SlackMethodError('cant_update_message');
    if (!hasContent(a)) throw new SlackMethodError('no_text');
    const text = optStr(a, 'text');
    const blocks = optBlocks(a);
    checkMessage(text, blocks, { countBlocksText: true });
    const metadata = optMetadata(a);
    // Omitted text/blocks/metadata keep their previous value; `blocks: []` removes the blocks.
    if (text !== undefined) msg.text = text;
    if (blocks !== undefined) msg.blocks = blocks;
    if (metadata !== undefined) msg.metadata = metadata;
    msg.edits += 1;
    return { channel, ts: msg.ts, text: msg.text, message: messageObject(s, msg) };
  },

  'chat.getPermalink': (s, a) => {
    const channel = channelOf(s, a);
    const ts = reqStr(a, 'message_ts');
    if (!s.findMessage(channel, ts)) throw new SlackMethodError('message_not_found');
    return { channel, permalink: `https://sim-workspace.slack.com/archives/${channel}/p${ts.replace('.', '')}` };
  },

  'conversations.history': (s, a) => {
    const channel = channelOf(s, a);
    needsHistoryScope(s, channel);
    const inRange = inTimeRange(a);
    const newestFirst = s
      .channelMessages(channel)
      .filter((m) => isTopLevel(m) && inRange(m.ts))
      .reverse();
    const { page, ...paging } = pageOf(newestFirst, a, true);
    const withMetadata = flag(a, 'include_all_metadata');
    return { messages: page.map((m) => listedMessage(s, m, withMetadata)), ...paging };
  },

  'conversations.replies': (s, a) => {
    const channel = channelOf(s, a);
    needsHistoryScope(s, channel);
    const ts = reqStr(a, 'ts');
    const parent = s.findMessage(channel, ts);
    if (!parent) throw new SlackMethodError('thread_not_found');
    const inRange = inTimeRange(a);
    // A reply's ts has no replies of its own, so it comes back alone.
    const replies = s.channelMessages(channel).filter((m) => m.thread_ts === ts && m.ts !== ts && inRange(m.ts));
    const { page, ...paging } = pageOf(replies, a, false);
    const withMetadata = flag(a, 'include_all_metadata');
    // The parent leads every page, as in Slack's documented answer, so a client paging through a thread
    // sees it again on later pages; `limit` and the time range apply to the replies, so every page moves on.
    return { messages: [parent, ...page].map((m) => listedMessage(s, m, withMetadata)), ...paging };
  },

  'chat.postEphemeral': (s, a) => {
    const channel = channelOf(s, a);
    const userId = reqStr(a, 'user');
    if (!s.users.has(userId)) throw new SlackMethodError('user_not_found');
    if (!hasContent(a)) throw new SlackMethodError('no_text');
    const blocks = optBlocks(a);
    checkMessage(a.text, blocks, { countBlocksText: false });
    s.ephemerals.push({ channel, user: userId, text: optStr(a, 'text') ?? '', ...(blocks ? { blocks } : {}) });
    return { message_ts: s.clock.next() };
  },

  'views.open': (s, a) => {
    const trigger = reqStr(a, 'trigger_id');
    const sent = reqObject(a, 'view');
    const t = s.useTrigger(trigger);
    const id = slackId('V');
    const view = storeView(s, sent, id, 'open', {
      rootViewId: null,
      previousViewId: null,
      triggerId: trigger,
      ...(t.userId !== undefined ? { userId: t.userId } : {}),
    });
    if (t.userId !== undefined) s.modalStackByUser.set(t.userId, [id]);
    return { view };
  },

  'views.push': (s, a) => {
    const trigger = reqStr(a, 'trigger_id');
    const sent = reqObject(a, 'view');
    const t = s.useTrigger(trigger);
    const stack = t.userId !== undefined ? (s.modalStackByUser.get(t.userId) ?? []) : [];
    if (stack.length >= 3) throw new SlackMethodError('push_limit_reached');
    const id = slackId('V');
    const view = storeView(s, sent, id, 'push', {
      rootViewId: stack[0] ?? null,
      previousViewId: stack.at(-1) ?? null,
      triggerId: trigger,
      ...(t.userId !== undefined ? { userId: t.userId } : {}),
    });
    if (t.userId !== undefined) s.modalStackByUser.set(t.userId, [...stack, id]);
    return { view };
  },

  'views.update': (s, a) => {
    const sent = reqObject(a, 'view');
    const viewId = optStr(a, 'view_id');
    const externalId = optStr(a, 'external_id');
    if (viewId === undefined && externalId === undefined) throw missing('view_id');
    const current = viewId !== undefined ? s.currentViews.get(viewId) : [...s.currentViews.values()].find((v) => v.external_id === externalId);
    if (!current) throw new SlackMethodError('not_found');
    const hash = optStr(a, 'hash');
    if (hash !== undefined && hash !== current.hash) throw new SlackMethodError('hash_conflict');
    const id = current.id as string;
    const userId = s.viewOwner.get(id);
    const view = storeView(s, sent, id, 'update', {
      rootViewId: (current.root_view_id as string | null) ?? null,
      previousViewId: (current.previous_view_id as string | null) ?? null,
      ...(userId !== undefined ? { userId } : {}),
    });
    return { view };
  },

  'views.publish': (s, a) => {
    const userId = reqStr(a, 'user_id');
    const sent = reqObject(a, 'view');
    if (!s.users.has(userId)) throw new SlackMethodError('user_not_found');
    if (sent.type !== 'home') throw new SlackMethodError('invalid_arguments');
    const previous = s.homeViewByUser.get(userId);
    const hash = optStr(a, 'hash');
    if (hash !== undefined && previous !== undefined && hash !== s.currentViews.get(previous)?.hash) {
      throw new SlackMethodError('hash_conflict');
    }
    const id = previous ?? slackId('V');
    s.homeViewByUser.set(userId, id);
    const view = storeView(s, sent, id, 'publish', { rootViewId: null, previousViewId: null, userId });
    return { view };
  },

  'files.getUploadURLExternal': (s, a) => {
    const filename = reqStr(a, 'filename');
    const lengthArg = reqStr(a, 'length');
    const length = Number(lengthArg);
    if (!Number.isInteger(length) || length <= 0) throw new SlackMethodError('invalid_arguments');
    const up = s.newUpload(filename, length);
    // The server fills in the absolute URL (it knows its own address).
    return { upload_url: `/upload/v1/${up.uploadKey}`, file_id: up.fileId };
  },

  'files.completeUploadExternal': (s, a) => {
    const files = a.files;
    if (files === undefined || files === '') throw missing('files');
    if (!Array.isArray(files) || files.length === 0) throw new SlackMethodError('invalid_arguments');
    const channelArg = optStr(a, 'channel_id') ?? optStr(a, 'channels');
    const threadTs = optStr(a, 'thread_ts');
    const initialComment = optStr(a, 'initial_comment');
    const channel = channelArg !== undefined ? s.resolveChannel(channelArg) : undefined;
    if (channelArg !== undefined && !channel) throw new SlackMethodError('channel_not_found');
    if (threadTs !== undefined && channel === undefined) throw missing('channel_id');
    const entries = files.map((f: unknown) => {
      const entry = f as { id?: unknown; title?: unknown };
      if (typeof entry?.id !== 'string') throw new SlackMethodError('invalid_arguments');
      const up = s.uploads.get(entry.id);
      if (!up?.bytes || up.completed) throw new SlackMethodError('file_not_found');
      return { up, title: typeof entry.title === 'string' && entry.title !== '' ? entry.title : up.filename };
    });
    const created = Math.floor(Date.now() / 1000);
    const out = entries.map(({ up, title }) => {
      up.completed = true;
      s.files.push({
        id: up.fileId,
        filename: up.filename,
        title,
        bytes: up.bytes!,
        channelId: channel,
        threadTs,
        initialComment,
      });
      const ext = up.filename.includes('.') ? up.filename.split('.').pop()!.toLowerCase() : 'text';
      return {
        id: up.fileId,
        created,
        timestamp: created,
        name: up.filename,
        title,
        mimetype: MIME[ext] ?? 'application/octet-stream',
        filetype: ext,
        user: s.botUserId,
        user_team: s.teamId,
        size: up.bytes!.length,
        mode: 'hosted',
        is_external: false,
        is_public: channel?.startsWith('C'),
        url_private: `https://files.slack.com/files-pri/${s.teamId}-${up.fileId}/${encodeURIComponent(up.filename)}`,
        permalink: `https://sim-workspace.slack.com/files/${s.botUserId}/${up.fileId}/${encodeURIComponent(up.filename)}`,
      };
    });
    if (channel !== undefined) {
      // Slack shares the files as one message (in the thread when thread_ts is given).
      s.addMessage({
        channel,
        text: initialComment ?? '',
        blocks: [],
        user: s.botUserId,
        files: out.map((f) => f.id),
        ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
      });
    }
    return { files: out };
  },
};

const MIME: Record<string, string> = {
  pdf: 'application/pdf',
  json: 'application/json',
  csv: 'text/csv',
  txt: 'text/plain',
  text: 'text/plain',
  png: 'image/png',
  zip: 'application/zip',
};
