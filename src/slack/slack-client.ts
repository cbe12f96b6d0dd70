import { ErrorCode, LogLevel, WebClient, WebClientEvent, type WebAPICallResult, type WebClientOptions } from '@slack/web-api';
import type { Config } from '../config/config.js';
import type { Metrics } from '../metrics/metrics.js';
import { redactDeep } from '../redact.js';

/** The bot's Web API client, for code outside Bolt listeners (workers, the lifecycle). */
export function createSlackClient(cfg: Config['slack'], metrics?: Metrics): WebClient {
  return new MaskingWebClient(
    cfg.botToken,
    {
      slackApiUrl: cfg.apiUrl,
      // No retries and no waiting here: every Slack call from a worker is a BullMQ job, which
      // retries with capped backoff and honours Retry-After without holding a slot or a lock.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
      timeout: 15_000,
    },
    metrics,
  );
}

/**
 * Every Web API call goes through `apiCall` (the typed methods, pagination and the steps of
 * `files.uploadV2` included), so masking its arguments there covers every message, update,
 * ephemeral, view and upload comment, whichever code builds them. Each call is also counted.
 */
class MaskingWebClient extends WebClient {
  constructor(
    token: string,
    options: WebClientOptions,
    private readonly metrics?: Metrics,
  ) {
    super(token, options);
    // Counted when Slack answers 429, whoever handles it afterwards.
    this.on(WebClientEvent.RATE_LIMITED, (_retrySec: number, { url }: { url: string }) => this.count(url.slice(url.lastIndexOf('/') + 1), 'ratelimited'));
  }

  override async apiCall(method: string, options: Record<string, unknown> = {}): Promise<WebAPICallResult> {
    // The token is the one argument that must reach Slack as it is.
    const { token, ...args } = options;
    const masked = { ...redactDeep(args), ...(token === undefined ? {} : { token }) };
    // Not a Web API method: its steps come back through here and are counted one by one.
    if (method === 'files.uploadV2') return super.apiCall(method, masked);
    try {
      const result = await super.apiCall(method, masked);
      this.count(method, 'ok');
      return result;
    } catch (err) {
      // A 429 was counted when Slack answered it.
      if ((err as { code?: string }).code !== ErrorCode.RateLimitedError) this.count(method, outcomeOf(err));
      throw err;
    }
  }

  private count(method: string, status: string): void {
    this.metrics?.slackCalls.inc({ method, status });
  }
}

function outcomeOf(err: unknown): string {
  const e = err as { code?: string; data?: { error?: string }; statusCode?: number };
  switch (e.code) {
    case ErrorCode.PlatformError:
      return e.data?.error ?? 'error';
    case ErrorCode.HTTPError:
      return String(e.statusCode);
    case ErrorCode.RequestError:
      return 'network';
    default:
      return 'error';
  }
}
