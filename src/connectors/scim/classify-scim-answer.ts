import { redact } from '../../redact.js';
import { wellFormed } from '../../well-formed.js';
import { PermanentError, RetryableError } from '../step-errors.js';
import type { ScimProfile } from './profile.js';

/** Who answered, for messages: the declared app's name and the variable holding its token. */
export interface ScimAnswerer {
  name: string;
  tokenEnv: string;
  profile: ScimProfile;
}

/** A SCIM answer that was not a success, as the client read it. */
export interface ScimErrorAnswer {
  status: number;
  headers: Headers;
  /** The parsed body (a SCIM error: `{schemas, status, detail}`), or its text when not JSON. */
  body: unknown;
}

/**
 * Turns a SCIM error answer into a RetryableError or a PermanentError naming the operation, once,
 * at the edge. A rate limit is what the vendor's profile says it looks like (GitHub also answers
 * 403 when its budget is spent), and waits as long as its headers say.
 */
export function classifyScimAnswer(who: ScimAnswerer, operation: string, answer: ScimErrorAnswer): RetryableError | PermanentError {
  const { status, headers } = answer;
  const detail = detailOf(answer.body);
  if (isRateLimit(who.profile, status, headers)) {
    return new RetryableError(`${operation}: rate limited by ${who.name} (${status})`, waitMs(who.profile, headers));
  }
  if (status >= 500 && status !== 501) return new RetryableError(`${operation}: ${who.name} answered ${status} (${detail})`, waitMs(who.profile, headers));
  if (status === 401 || status === 403) {
    return new PermanentError(
      `${operation}: ${who.name} refused the token (${status}). Check ${who.tokenEnv}: a SCIM token of ${who.name} that may manage users. It said: ${detail}`,
    );
  }
  return new PermanentError(`${operation}: ${who.name} answered ${status} (${detail})`);
}

/** No answer at all: the connection failed or the per-call timeout ran out. Both may pass. */
export function classifyScimNoAnswer(who: Pick<ScimAnswerer, 'name'>, operation: string, err: unknown, timeoutMs: number): RetryableError {
  if ((err as Error | null)?.name === 'TimeoutError') return new RetryableError(`${operation}: no answer from ${who.name} within ${timeoutMs} ms`);
  // fetch throws TypeError('fetch failed') with the socket error as its cause.
  const cause = (err as { cause?: { code?: string; message?: string } } | null)?.cause;
  return new RetryableError(`${operation}: cannot reach ${who.name} (${cause?.code ?? cause?.message ?? (err as Error | null)?.message ?? 'unknown error'})`);
}

function isRateLimit(profile: ScimProfile, status: number, headers: Headers): boolean {
  const { statuses, retryAfter, remaining } = profile.rateLimit;
  if (!statuses.includes(status)) return false;
  // A 429 is always one; another status (GitHub's 403) only with the headers that say so.
  return status === 429 || headers.has(retryAfter) || (remaining !== undefined && headers.get(remaining)?.trim() === '0');
}

function waitMs(profile: ScimProfile, headers: Headers): number | undefined {
  const after = headers.get(profile.rateLimit.retryAfter);
  if (after) {
    const seconds = Number(after);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(after);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  const reset = profile.rateLimit.reset ? Number(headers.get(profile.rateLimit.reset)) : Number.NaN;
  return reset > 0 ? Math.max(0, reset * 1000 - Date.now()) : undefined;
}

function detailOf(body: unknown): string {
  const scim = body as { detail?: unknown } | null;
  const text = typeof scim?.detail === 'string' ? scim.detail : typeof body === 'string' && body.trim() !== '' ? body.slice(0, 300) : 'no detail';
  // An error body may echo what was sent, the token included: masked before it reaches a message.
  return wellFormed(redact(text));
}
