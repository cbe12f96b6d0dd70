import { redact } from '../../redact.js';
import { wellFormed } from '../../well-formed.js';
import { PermanentError, RetryableError } from '../step-errors.js';

interface SdkError {
  status?: number;
  statusText?: string;
  message?: string;
  headers?: Record<string, string | string[] | undefined>;
  result?: { errors?: { code?: string; message?: string }[]; errorMessage?: string; errorCode?: string };
}

const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'EPIPE', 'ENOTFOUND']);

/** Turns an IBM SDK error into a RetryableError or a PermanentError that names the operation. */
export function classifyIbmError(operation: string, err: unknown): Error {
  if (err instanceof RetryableError || err instanceof PermanentError) return err;
  const e = (err ?? {}) as SdkError;
  const status = e.status;
  // IBM error bodies can echo what was sent (a token, an API key): masked here, before the text
  // reaches a message, a job's failure reason or the trail.
  const detail = wellFormed(
    redact(
      e.result?.errors
        ?.map((x) => x.message)
        .filter(Boolean)
        .join('; ') ||
        e.result?.errorMessage ||
        e.message ||
        'unknown error',
    ),
  );
  if (status === 429) {
    return new RetryableError(`${operation}: rate limited by IBM Cloud (429)`, retryAfterMs(e.headers?.['retry-after']));
  }
  if (status !== undefined && status >= 500 && status !== 501) {
    return new RetryableError(`${operation}: IBM Cloud answered ${status} (${detail})`, retryAfterMs(e.headers?.['retry-after']));
  }
  if (status === 401 || status === 403) {
    return new PermanentError(
      `${operation}: permission denied (${status}). Check that IBMCLOUD_API_KEY belongs to a user with the needed IAM roles in this account. IBM Cloud said: ${detail}`,
    );
  }
  // BXNIM codes come from the IAM token service: the bot's own API key was refused.
  if (e.result?.errorCode?.startsWith('BXNIM')) {
    return new PermanentError(`${operation}: IBM Cloud IAM refused the API key (${detail}). Check IBMCLOUD_API_KEY.`);
  }
  if (status !== undefined) return new PermanentError(`${operation}: IBM Cloud answered ${status} (${detail})`);
  const code = e.statusText ?? (err as NodeJS.ErrnoException)?.code;
  if (code && NETWORK_ERRORS.has(code)) return new RetryableError(`${operation}: cannot reach IBM Cloud (${code})`);
  if (/timeout/i.test(e.message ?? '')) return new RetryableError(`${operation}: request timed out`);
  return new PermanentError(`${operation}: ${detail}`);
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
