import { PermanentError, RetryableError } from '../connectors/step-errors.js';

/** Slack answers these when the fault is on its side or passing: worth another try later. */
const TRANSIENT = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

interface WebApiError {
  code?: string;
  retryAfter?: number;
  data?: { error?: string };
  original?: { message?: string };
  statusCode?: number;
  message?: string;
}

/**
 * Turns a Web API failure into a RetryableError (rate limits with their Retry-After, network
 * failures, Slack's own 5xx) or a PermanentError (a refused token, a deleted channel…), once,
 * at the client edge, so BullMQ alone decides about retrying.
 */
export function classifySlackError(operation: string, err: unknown): Error {
  if (err instanceof RetryableError || err instanceof PermanentError) return err;
  const e = (err ?? {}) as WebApiError;
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return new RetryableError(`${operation}: rate limited by Slack`, (e.retryAfter ?? 1) * 1000);
    case 'slack_webapi_request_error':
      return new RetryableError(`${operation}: cannot reach Slack (${e.original?.message ?? 'network error'})`);
    case 'slack_webapi_http_error':
      return (e.statusCode ?? 500) >= 500
        ? new RetryableError(`${operation}: Slack answered HTTP ${e.statusCode}`)
        : new PermanentError(`${operation}: Slack answered HTTP ${e.statusCode}`);
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown_error';
      return TRANSIENT.has(code) ? new RetryableError(`${operation}: Slack answered ${code}`) : new PermanentError(`${operation}: Slack answered ${code}`);
    }
    default:
      return new RetryableError(`${operation}: ${e.message ?? String(err)}`);
  }
}
