import { redact } from '../../redact.js';
import { wellFormed } from '../../well-formed.js';
import { PermanentError, RetryableError } from '../step-errors.js';

/** A SCIM answer that was not a success, as the client read it. */
export interface ScimErrorAnswer {
  status: number;
  /** The Retry-After header, when sent: seconds or an HTTP date. */
  retryAfter: string | null;
  /** The parsed body (a SCIM error: `{schemas, status, detail}`), or its text when not JSON. */
  body: unknown;
}

const TOKEN_HINT =
  "Check SLACK_ADMIN_TOKEN: a user token (xoxp-…) with the admin scope, from a Workspace or Org Owner or Admin who still is one, on Business+ or Enterprise Grid. An Admin's token cannot change an Owner";

/** Turns a SCIM error answer into a RetryableError or a PermanentError that names the operation. */
export function classifyScimAnswer(operation: string, answer: ScimErrorAnswer): RetryableError | PermanentError {
  const { status } = answer;
  const detail = detailOf(answer.body);
  if (status === 429) return new RetryableError(`${operation}: rate limited by Slack SCIM (429)`, retryAfterMs(answer.retryAfter));
  if (status >= 500 && status !== 501) {
    return new RetryableError(`${operation}: Slack SCIM answered ${status} (${detail})`, retryAfterMs(answer.retryAfter));
  }
  if (status === 401 || status === 403) {
    return new PermanentError(`${operation}: Slack SCIM refused the admin token (${status}). ${TOKEN_HINT}. Slack said: ${detail}`);
  }
  return new PermanentError(`${operation}: Slack SCIM answered ${status} (${detail})`);
}

/** No answer at all: the connection failed or the per-call timeout ran out. Both may pass. */
export function classifyScimNoAnswer(operation: string, err: unknown, timeoutMs: number): RetryableError {
  if ((err as Error | null)?.name === 'TimeoutError') return new RetryableError(`${operation}: no answer from Slack SCIM within ${timeoutMs} ms`);
  // fetch throws TypeError('fetch failed') with the socket error as its cause.
  const cause = (err as { cause?: { code?: string; message?: string } } | null)?.cause;
  return new RetryableError(`${operation}: cannot reach Slack SCIM (${cause?.code ?? cause?.message ?? (err as Error | null)?.message ?? 'unknown error'})`);
}

function detailOf(body: unknown): string {
  const scim = body as { detail?: unknown } | null;
  const text = typeof scim?.detail === 'string' ? scim.detail : typeof body === 'string' && body.trim() !== '' ? body.slice(0, 300) : 'no detail';
  // An error body may echo what was sent, the token included: masked before it reaches a message.
  // Cut at 300 code units, which may split a character in two.
  return wellFormed(redact(text));
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
