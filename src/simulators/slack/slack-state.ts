import { TsClock, slackId, triggerId } from './ids.js';
import type {
  RecordedCall,
  ResponseUrlContext,
  SimEphemeral,
  SimFile,
  SimMessage,
  SimResponse,
  SimSlackUser,
  SimView,
  SlackSimulatorOptions,
} from './types.js';

/** An `{ok: false, error}` answer from a Web API method. */
export class SlackMethodError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
}

export interface PendingUpload {
  fileId: string;
  filename: string;
  length: number;
  uploadKey: string;
  bytes?: Buffer;
  completed: boolean;
}

interface TriggerState {
  userId?: string;
  used: boolean;
}

/** The bot scopes manifest.yml asks for: what an app installed from it holds. */
export const MANIFEST_BOT_SCOPES = [
  'commands',
  'chat:write',
  'users:read',
  'users:read.email',
  'usergroups:read',
  'files:write',
  'im:write',
  'channels:history',
  'groups:history',
  'im:history',
] as const;

/** Everything the simulated workspace remembers. */
export class SlackState {
  readonly teamId: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly botToken: string;
  readonly appId = 'A0SIM0001';
  readonly botScopes: string[];
  readonly clock = new TsClock();

  readonly users = new Map<string, SimSlackUser>();
  readonly usergroups = new Map<string, string[]>();
  readonly channels = new Set<string>();
  private readonly dmByUser = new Map<string, string>();
  private readonly messagesByChannel = new Map<string, SimMessage[]>();

  readonly calls: RecordedCall[] = [];
  readonly ephemerals: SimEphemeral[] = [];
  readonly views: SimView[] = [];
  readonly currentViews = new Map<string, Record<string, unknown>>();
  readonly viewOwner = new Map<string, string | undefined>();
  readonly homeViewByUser = new Map<string, string>();
  readonly modalStackByUser = new Map<string, string[]>();
  readonly files: SimFile[] = [];
  readonly uploads = new Map<string, PendingUpload>();
  readonly uploadsByKey = new Map<string, PendingUpload>();
  readonly responses: SimResponse[] = [];
  readonly responseUrls = new Map<string, ResponseUrlContext>();
  private readonly triggers = new Map<string, TriggerState>();
  private triggerCounter = 0;
  private readonly rateLimits = new Map<string, { remaining: number; retryAfterSeconds: number }>();

  constructor(opts: SlackSimulatorOptions) {
    this.teamId = opts.teamId ?? 'T0SIM0001';
    this.botUserId = opts.botUserId ?? 'U0BOT0001';
    this.botId = opts.botId ?? 'B0BOT0001';
    this.botToken = opts.botToken;
    this.botScopes = opts.botScopes ?? [...MANIFEST_BOT_SCOPES];
    for (const u of opts.users) this.users.set(u.id, { ...u });
    for (const [id, members] of Object.entries(opts.usergroups ?? {})) this.usergroups.set(id, [...members]);
    for (const c of opts.channels ?? []) this.channels.add(c);
  }

  // ---- channels and messages ----

  /** The app DM with a user: a stable 'D…' id derived from the user id. */
  dmChannelFor(userId: string): string {
    let dm = this.dmByUser.get(userId);
    if (!dm) {
      dm = `D${userId.slice(1)}`;
      this.dmByUser.set(userId, dm);
      this.channels.add(dm);
    }
    return dm;
  }

  hasDm(userId: string): boolean {
    return this.dmByUser.has(userId);
  }

  /** Channel id Slack would use for `channel`, or undefined when it does not exist. */
  resolveChannel(channel: string): string | undefined {
    if (this.channels.has(channel)) return channel;
    if (/^[UW]/.test(channel) && this.users.has(channel)) return this.dmChannelFor(channel);
    return undefined;
  }

  /** Like resolveChannel, but never creates anything (for read-only inspection). */
  lookupChannel(channel: string): string {
    if (/^[UW]/.test(channel)) return this.dmByUser.get(channel) ?? `D${channel.slice(1)}`;
    return channel;
  }

  channelMessages(channel: string): SimMessage[] {
    let list = this.messagesByChannel.get(channel);
    if (!list) {
      list = [];
      this.messagesByChannel.set(channel, list);
    }
    return list;
  }

  findMessage(channel: string, ts: string): SimMessage | undefined {
    return this.messagesByChannel.get(channel)?.find((m) => m.ts === ts);
  }

  addMessage(m: Omit<SimMessage, 'ts' | 'edits'>): SimMessage {
    let threadTs = m.thread_ts;
    if (threadTs !== undefined) {
      // A reply to a reply lands in the parent's thread, as in Slack.
      const parent = this.findMessage(m.channel, threadTs);
      if (parent?.thread_ts !== undefined) threadTs = parent.thread_ts;
    }
    const msg: SimMessage = { ...m, ts: this.clock.next(), edits: 0 };
    if (threadTs !== undefined) msg.thread_ts = threadTs;
    else delete msg.thread_ts;
    this.channelMessages(m.channel).push(msg);
    return msg;
  }

  deleteMessage(channel: string, ts: string): boolean {
    const list = this.messagesByChannel.get(channel);
    const i = list?.findIndex((m) => m.ts === ts) ?? -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    return true;
  }

  // ---- triggers ----

  issueTrigger(userId?: string): string {
    const id = triggerId(++this.triggerCounter);
    this.triggers.set(id, userId !== undefined ? { userId, used: false } : { used: false });
    return id;
  }

  /** Exchanges a trigger id once; throws invalid_trigger_id / exchanged_trigger_id. */
  useTrigger(id: string): TriggerState {
    const t = this.triggers.get(id);
    if (!t) throw new SlackMethodError('invalid_trigger_id');
    if (t.used) throw new SlackMethodError('exchanged_trigger_id');
    t.used = true;
    return t;
  }

  // ---- delays ----

  private readonly delays = new Map<string, number>();

  /** Every later call to `method` is answered only after `ms` (0 removes the delay). */
  setDelay(method: string, ms: number): void {
    if (ms <= 0) this.delays.delete(method);
    else this.delays.set(method, ms);
  }

  delayOf(method: string): number {
    return this.delays.get(method) ?? this.delays.get('*') ?? 0;
  }

  // ---- lost responses ----

  private readonly lostResponses = new Map<string, { remaining: number; only?: (args: Record<string, unknown>) => boolean }>();

  setLostResponses(method: string, times: number, only?: (args: Record<string, unknown>) => boolean): void {
    if (times <= 0) this.lostResponses.delete(method);
    else this.lostResponses.set(method, { remaining: times, only });
  }

  /** Consumes one injected lost response for `method` if this call is one it applies to; true when this call's answer must be lost. */
  takeLostResponse(method: string, args: Record<string, unknown>): boolean {
    const lost = this.lostResponses.get(method);
    if (lost === undefined || (lost.only && !lost.only(args))) return false;
    if (lost.remaining <= 1) this.lostResponses.delete(method);
    else lost.remaining -= 1;
    return true;
  }

  // ---- rate limits ----

  setRateLimit(method: string, times: number, retryAfterSeconds: number): void {
    if (times <= 0) this.rateLimits.delete(method);
    else this.rateLimits.set(method, { remaining: times, retryAfterSeconds });
  }

  /** Consumes one injected 429 for `method`; returns its Retry-After seconds. */
  takeRateLimit(method: string): number | undefined {
    const rl = this.rateLimits.get(method);
    if (!rl) return undefined;
    rl.remaining -= 1;
    if (rl.remaining <= 0) this.rateLimits.delete(method);
    return rl.retryAfterSeconds;
  }

  // ---- uploads ----

  newUpload(filename: string, length: number): PendingUpload {
    const up: PendingUpload = {
      fileId: slackId('F'),
      filename,
      length,
      uploadKey: slackId('', 32),
      completed: false,
    };
    this.uploads.set(up.fileId, up);
    this.uploadsByKey.set(up.uploadKey, up);
    return up;
  }
}
