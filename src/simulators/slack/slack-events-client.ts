import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { refusalOfAnswer } from './block-kit-limits.js';
import type { SlackEventsDriver, SlackResponse } from './slack-events-driver.js';
import { SlackPayloads, type BlockActionArgs, type SlackPayloadsOptions, type SlashCommandArgs, type ViewSubmissionArgs } from './slack-payloads.js';

export interface SlackEventsClientOptions extends SlackPayloadsOptions {
  /** The bot's events endpoint, e.g. http://127.0.0.1:3000/slack/events */
  url: string;
  signingSecret: string;
}

export interface PostOptions {
  /** Default 'application/x-www-form-urlencoded'. */
  contentType?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Explicit X-Slack-Signature; null omits the header; default signs the body. */
  signature?: string | null;
}

/** Computes Slack's request signature: v0=hex(HMAC-SHA256(secret, "v0:ts:body")). */
export function signSlackRequest(signingSecret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/**
 * Plays Slack towards the bot: signed slash commands, interactions and Events API callbacks,
 * POSTed to Bolt's HTTPReceiver with payloads shaped like Slack's.
 */
export class SlackEventsClient implements SlackEventsDriver {
  private readonly url: string;
  private readonly signingSecret: string;
  private readonly payloads: SlackPayloads;

  constructor(opts: SlackEventsClientOptions) {
    this.url = opts.url;
    this.signingSecret = opts.signingSecret;
    this.payloads = new SlackPayloads(opts);
  }

  slashCommand(a: SlashCommandArgs): Promise<SlackResponse> {
    return this.post(new URLSearchParams(this.payloads.slashCommand(a)).toString());
  }

  blockAction(a: BlockActionArgs): Promise<SlackResponse> {
    return this.postPayload(this.payloads.blockAction(a));
  }

  viewSubmission(a: ViewSubmissionArgs): Promise<SlackResponse> {
    return this.postPayload(this.payloads.viewSubmission(a));
  }

  /** An Events API callback, e.g. `{type: 'app_home_opened', user, channel, tab: 'home'}`. */
  event(event: Record<string, unknown>): Promise<SlackResponse> {
    return this.post(JSON.stringify(this.payloads.event(event)), { contentType: 'application/json' });
  }

  /** Low level: POST `body` exactly as given, signed unless told otherwise. */
  post(body: string, opts: PostOptions = {}): Promise<SlackResponse> {
    const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string | number> = {
      'Content-Type': opts.contentType ?? 'application/x-www-form-urlencoded',
      'Content-Length': Buffer.byteLength(body),
      'X-Slack-Request-Timestamp': String(timestamp),
      'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      Connection: 'close',
    };
    const signature = opts.signature === undefined ? signSlackRequest(this.signingSecret, timestamp, body) : opts.signature;
    if (signature !== null) headers['X-Slack-Signature'] = signature;
    return new Promise((resolve, reject) => {
      const req = request(this.url, { method: 'POST', headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const out: SlackResponse = { status: res.statusCode ?? 0, body: text };
          if (text !== '') {
            try {
              out.json = JSON.parse(text);
            } catch {
              // not JSON: leave json unset
            }
            const refused = refusalOfAnswer(out.json);
            if (refused) out.refused = refused;
          }
          resolve(out);
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  private postPayload(payload: Record<string, unknown>): Promise<SlackResponse> {
    return this.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  }
}
