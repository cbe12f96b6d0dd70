import { describe, expect, it } from 'vitest';
import { classifyScimAnswer, classifyScimNoAnswer } from '../../src/connectors/slack/classify-scim-error.js';
import { PermanentError, RetryableError } from '../../src/connectors/step-errors.js';

const scimError = (status: number, detail: string) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), detail });

describe('classifyScimAnswer', () => {
  it('retries a 429 after Retry-After, never sooner than zero', () => {
    const later = classifyScimAnswer('get user', { status: 429, retryAfter: '12', body: scimError(429, 'rate_limited') });
    const past = classifyScimAnswer('get user', { status: 429, retryAfter: new Date(Date.now() - 60_000).toUTCString(), body: '' });

    expect(later).toBeInstanceOf(RetryableError);
    expect((later as RetryableError).retryAfterMs).toBe(12_000);
    expect((past as RetryableError).retryAfterMs).toBe(0);
  });

  it('retries a 429 without Retry-After with the usual backoff (no delay of its own)', () => {
    const err = classifyScimAnswer('get user', { status: 429, retryAfter: null, body: '' });

    expect(err).toBeInstanceOf(RetryableError);
    expect((err as RetryableError).retryAfterMs).toBeUndefined();
  });

  it('retries 5xx but not 501, which will not change on retry', () => {
    expect(classifyScimAnswer('get user', { status: 502, retryAfter: null, body: '<html>Bad Gateway</html>' })).toBeInstanceOf(RetryableError);
    expect(classifyScimAnswer('get user', { status: 501, retryAfter: null, body: scimError(501, 'not implemented') })).toBeInstanceOf(PermanentError);
  });

  it('fails a 400 or a 404 at once with the SCIM detail', () => {
    const err = classifyScimAnswer('deactivate user', { status: 400, retryAfter: null, body: scimError(400, 'invalid_value') });

    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toBe('deactivate user: Slack SCIM answered 400 (invalid_value)');
  });

  it('masks a token that an error body echoes', () => {
    const err = classifyScimAnswer('get user', { status: 401, retryAfter: null, body: scimError(401, 'bad token xoxp-1234-5678-abcdefSECRET') });

    expect(err.message).not.toContain('abcdefSECRET');
    expect(err.message).toContain('SLACK_ADMIN_TOKEN');
  });
});

describe('classifyScimNoAnswer', () => {
  it('retries a timeout and names the bound', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');

    expect(classifyScimNoAnswer('get user', timeout, 250).message).toBe('get user: no answer from Slack SCIM within 250 ms');
  });

  it('retries a failed connection and names its cause', () => {
    const err = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } });

    expect(classifyScimNoAnswer('get user', err, 250)).toEqual(new RetryableError('get user: cannot reach Slack SCIM (ENOTFOUND)'));
  });
});
