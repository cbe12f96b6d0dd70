import { afterEach, describe, expect, it, vi } from 'vitest';
import { classifyIbmError } from '../../src/connectors/ibm-cloud/classify-ibm-error.js';
import { PermanentError, RetryableError } from '../../src/connectors/step-errors.js';

/** An error as ibm-cloud-sdk-core's formatError builds it for an HTTP error answer. */
function sdkError(status: number, opts: { retryAfter?: string; message?: string } = {}) {
  const message = opts.message ?? `IBM says ${status}`;
  return Object.assign(new Error(message), {
    status,
    statusText: `HTTP ${status}`,
    headers: opts.retryAfter === undefined ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', 'retry-after': opts.retryAfter },
    result: { trace: 'trace-1', errors: [{ code: 'some_code', message }], status_code: status },
  });
}

/** An error as formatError builds it when no answer came (statusText carries axios' error code). */
function networkError(code: string) {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), {
    statusText: code,
    body: 'Response not received - no connection was made to the service.',
  });
}

function retryable(err: Error): RetryableError {
  expect(err).toBeInstanceOf(RetryableError);
  return err as RetryableError;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('classifyIbmError', () => {
  it('a 429 with Retry-After in seconds is retryable after that many milliseconds', () => {
    const err = retryable(classifyIbmError('list access groups', sdkError(429, { retryAfter: '2' })));
    expect(err.retryAfterMs).toBe(2000);
    expect(err.message).toBe('list access groups: rate limited by IBM Cloud (429)');
  });

  it('a 429 with Retry-After as an HTTP date is retryable until that date', () => {
    vi.useFakeTimers({ now: Date.parse('2025-03-04T09:00:00.000Z') });
    const at = new Date(Date.now() + 7000).toUTCString(); // "Tue, 04 Mar 2025 09:00:07 GMT"
    const err = retryable(classifyIbmError('delete API key', sdkError(429, { retryAfter: at })));
    expect(err.retryAfterMs).toBe(7000);
  });

  it('a Retry-After date already past means retry now, never a negative delay', () => {
    vi.useFakeTimers({ now: Date.parse('2025-03-04T09:00:00.000Z') });
    const err = retryable(classifyIbmError('delete API key', sdkError(429, { retryAfter: 'Tue, 04 Mar 2025 08:59:00 GMT' })));
    expect(err.retryAfterMs).toBe(0);
  });

  it('a 429 without Retry-After is retryable with the default backoff', () => {
    const err = retryable(classifyIbmError('list users', sdkError(429)));
    expect(err.retryAfterMs).toBeUndefined();
  });

  it('an unreadable Retry-After is ignored rather than trusted', () => {
    const err = retryable(classifyIbmError('list users', sdkError(429, { retryAfter: 'soon' })));
    expect(err.retryAfterMs).toBeUndefined();
  });

  it.each([500, 502, 503, 504])('a %i is retryable and says what IBM answered', (status) => {
    const err = retryable(classifyIbmError('remove user from account', sdkError(status, { message: 'Service temporarily unavailable' })));
    expect(err.message).toBe(`remove user from account: IBM Cloud answered ${status} (Service temporarily unavailable)`);
  });

  it('a 503 with Retry-After keeps the delay IBM asked for', () => {
    const err = retryable(classifyIbmError('remove user from account', sdkError(503, { retryAfter: '3' })));
    expect(err.retryAfterMs).toBe(3000);
  });

  it('a 501 (not implemented) is permanent: retrying cannot help', () => {
    expect(classifyIbmError('list policies', sdkError(501))).toBeInstanceOf(PermanentError);
  });

  it.each([401, 403])('a %i is permanent, names the operation and tells the operator to check IBMCLOUD_API_KEY', (status) => {
    const err = classifyIbmError('delete API key', sdkError(status));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).not.toBeInstanceOf(RetryableError);
    expect(err.message).toMatch(new RegExp(`^delete API key: permission denied \\(${status}\\)`));
    expect(err.message).toContain('IBMCLOUD_API_KEY');
  });

  it.each([
    [400, 'The account_id parameter is required.'],
    [404, 'API key ApiKey-1 not found.'],
    [409, 'API key ApiKey-1 is locked. Unlock it before deleting.'],
  ])("a %i is permanent and carries IBM's own reason", (status, reason) => {
    const err = classifyIbmError('delete API key', sdkError(status, { message: reason }));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toBe(`delete API key: IBM Cloud answered ${status} (${reason})`);
  });

  it("a refused API key (the IAM token service's BXNIM errors) is permanent and names IBMCLOUD_API_KEY", () => {
    const err = Object.assign(new Error('Bad Request'), {
      status: 400,
      result: { errorCode: 'BXNIM0415E', errorMessage: 'Provided API key could not be found.' },
    });
    const classified = classifyIbmError('list users', err);
    expect(classified).toBeInstanceOf(PermanentError);
    expect(classified.message).toBe('list users: IBM Cloud IAM refused the API key (Provided API key could not be found.). Check IBMCLOUD_API_KEY.');
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND'])('a network failure (%s) is retryable', (code) => {
    const err = retryable(classifyIbmError('list users', networkError(code)));
    expect(err.message).toBe(`list users: cannot reach IBM Cloud (${code})`);
    expect(err.retryAfterMs).toBeUndefined();
  });

  it('a plain Node socket error (code ECONNREFUSED) is retryable too', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });
    expect(classifyIbmError('list users', err)).toBeInstanceOf(RetryableError);
  });

  it('a client-side timeout is retryable', () => {
    expect(classifyIbmError('list users', new Error('timeout of 30000ms exceeded'))).toBeInstanceOf(RetryableError);
  });

  it('anything else is permanent, with the message kept', () => {
    const err = classifyIbmError('list users', new Error('Missing required parameters: accountId'));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toBe('list users: Missing required parameters: accountId');
  });

  it('an error already classified passes through unchanged', () => {
    const retry = new RetryableError('x', 10);
    const permanent = new PermanentError('y');
    expect(classifyIbmError('op', retry)).toBe(retry);
    expect(classifyIbmError('op', permanent)).toBe(permanent);
  });
});
