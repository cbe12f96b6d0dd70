/**
 * The two kinds of failure every connector call is classified into, once, at the client edge.
 * Retrying belongs to BullMQ: a RetryableError is retried with backoff (or after Retry-After),
 * a PermanentError fails the step at once with its reason.
 */
export class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryableError';
  }
}

/**
 * The bot itself says wait, not the target system: its request budget is used up, or the system
 * asked for a pause in that account (a 429's Retry-After) that other calls there keep. The call was
 * not made. Retried after `retryAfterMs` without counting as a failed attempt.
 */
export class RateLimitedError extends RetryableError {
  constructor(message: string, retryAfterMs: number) {
    super(message, retryAfterMs);
    this.name = 'RateLimitedError';
  }
}

export class PermanentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentError';
  }
}

/** The read-back never showed the change within the configured bound. */
export class NotConfirmedError extends PermanentError {
  constructor(message: string) {
    super(message);
    this.name = 'NotConfirmedError';
  }
}
