/** Public types of the Slack Web API simulator. */
import type { ScimSimulator } from './scim-types.js';
import type { SocketModeHub } from './socket-mode-hub.js';

export interface SimSlackUser {
  id: string;
  name: string;
  realName: string;
  email?: string;
  isBot?: boolean;
  deleted?: boolean;
  /** users.info `is_admin` / `is_owner`: a workspace admin, or owner (every owner is an admin too). */
  isAdmin?: boolean;
  isOwner?: boolean;
  tz?: string;
}

export interface SlackSimulatorOptions {
  /** Default 0 (any free port), always bound to 127.0.0.1. */
  port?: number;
  /** The only token accepted; any other gives `invalid_auth`, none gives `not_authed`. */
  botToken: string;
  /** Default 'T0SIM0001'. */
  teamId?: string;
  /** Default 'U0BOT0001'. */
  botUserId?: string;
  /** Default 'B0BOT0001' (returned by auth.test as bot_id). */
  botId?: string;
  users: SimSlackUser[];
  /** Usergroup id 'S…' → member user ids. */
  usergroups?: Record<string, string[]>;
  /** Channel ids that exist. User ids 'U…' of known users are accepted as their app DM (channel 'D…'). */
  channels?: string[];
  /** An app-level token `xapp-…`: turns on Socket Mode (`apps.connections.open` accepts only this token). */
  appToken?: string;
  /** A user token `xoxp-…` with the `admin` scope: turns on SCIM v2 under /scim/v2/, which accepts only this token. */
  adminToken?: string;
  /** Whose user token `adminToken` is: what `auth.test` answers for it (no other Web API method accepts it); unset, it is refused there too. */
  adminUserId?: string;
  /**
   * The bot token's scopes, sent with every answer as Slack does (`X-OAuth-Scopes`); reading history
   * without channels:history (public) or groups:history (private `G…`) is refused with
   * `missing_scope`. Default: every bot scope in the app's manifest.
   */
  botScopes?: string[];
}

export interface RecordedCall {
  method: string;
  /** Arguments as sent (token removed); `blocks`, `view`, `files`, `attachments`, `metadata` JSON strings decoded. */
  args: Record<string, unknown>;
  at: number;
  /** Outcome: `ok` false with `error` ('ratelimited' for an injected 429). */
  ok: boolean;
  error?: string;
}

export interface SimMessage {
  ts: string;
  channel: string;
  text: string;
  blocks: unknown[];
  thread_ts?: string;
  user: string;
  /** Number of chat.update (or response_url replace_original) applied. */
  edits: number;
  /** Ids of files shared with this message (files.completeUploadExternal with channel_id). */
  files?: string[];
  /** Set by chat.postMessage / chat.update `metadata`; conversations.history / replies show it only with `include_all_metadata`. */
  metadata?: SimMessageMetadata;
}

/** Slack's message metadata: an app-defined event carried by the message. */
export interface SimMessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

export interface SimEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
}

export type SimViewKind = 'open' | 'push' | 'update' | 'publish';

export interface SimView {
  id: string;
  kind: SimViewKind;
  triggerId?: string;
  userId?: string;
  /** The view as the bot sent it (decoded). */
  view: Record<string, unknown>;
}

export interface SimFile {
  id: string;
  filename: string;
  title: string;
  bytes: Buffer;
  channelId: string | undefined;
  threadTs: string | undefined;
  initialComment: string | undefined;
}

export interface SimResponse {
  url: string;
  body: unknown;
}

/** What a response_url (or trigger id) belongs to, so posts to it act like Slack's. */
export interface ResponseUrlContext {
  channel?: string;
  userId?: string;
  /** The message an interaction came from: `replace_original` / `delete_original` apply to it. */
  messageTs?: string;
}

export interface WaitForOptions {
  /** Default 5000. */
  timeoutMs?: number;
  /** Default 10. */
  intervalMs?: number;
}

export interface SlackSimulator {
  /** e.g. http://127.0.0.1:PORT/api/ */
  apiUrl: string;
  teamId: string;
  botUserId: string;
  botId: string;
  calls: RecordedCall[];
  callsTo(method: string): RecordedCall[];
  waitFor<T>(probe: () => T | undefined | false | null, opts?: WaitForOptions): Promise<T>;
  /** Current messages of a channel (a user id 'U…' means that user's app DM), oldest first. */
  messages(channel: string): SimMessage[];
  message(channel: string, ts: string): SimMessage | undefined;
  /** Parent (when known) followed by its replies, like conversations.replies. */
  thread(channel: string, threadTs: string): SimMessage[];
  ephemerals: SimEphemeral[];
  views: SimView[];
  /** Current state of a view (after updates), as Slack would return it. */
  view(id: string): Record<string, unknown> | undefined;
  files: SimFile[];
  user(id: string): SimSlackUser | undefined;
  /** Seed a message written by a person (the bot cannot chat.update it: cant_update_message). */
  postAsUser(channel: string, userId: string, text: string, threadTs?: string): SimMessage;
  responseUrl(context?: ResponseUrlContext): string;
  responses: SimResponse[];
  issueTriggerId(userId?: string): string;
  /**
   * Answers the next `times` calls to `method` with 429 and `Retry-After: retryAfterSeconds`;
   * `Infinity` until called again with 0 times (Slack recovers).
   */
  rateLimit(method: string, times: number, retryAfterSeconds: number): void;
  /** Slows every later call to `method` (`*`: to every method without a delay of its own) by `ms` (0 restores it), like a Slack having a bad day. */
  delay(method: string, ms: number): void;
  /**
   * The next `times` calls to `method` are carried out (a message is posted, say) but the answer is lost:
   * the connection is closed without a response, as when a network or process failure hides that Slack
   * accepted the call. `only`: just the calls whose arguments it accepts (say, posts into a thread).
   */
  loseResponse(method: string, times: number, only?: (args: Record<string, unknown>) => boolean): void;
  /** Slack's side of Socket Mode, when the simulator was given an `appToken`. */
  socketMode: SocketModeHub | undefined;
  /** Slack's SCIM v2 user API and its test helpers, when the simulator was given an `adminToken`. */
  scim: ScimSimulator | undefined;
  close(): Promise<void>;
}
