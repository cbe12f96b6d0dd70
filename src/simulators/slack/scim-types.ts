/** Public types of the simulator's SCIM v2 side (Slack's user administration API). */

/** A workspace user as SCIM sees it, read straight from the simulator (no faults, no auth). */
export interface ScimUserState {
  id: string;
  userName: string;
  displayName: string;
  emails: string[];
  active: boolean;
}

export interface ScimCall {
  method: string;
  /** Relative to the SCIM base, without the query: e.g. `/Users/U0ALICE01`. */
  path: string;
  /** The query string as sent (without `?`), '' when none. */
  query: string;
  status: number;
  at: number;
}

/** A deactivation signs the user out of every session, as Slack does. */
export interface ScimSessionEnd {
  userId: string;
  at: number;
  via: 'PATCH' | 'DELETE';
}

export type ScimFaultStatus = 403 | 429 | 500 | 503;

/**
 * One injected fault: matching requests wait `delayMs`, then fail with `status` (or are answered
 * normally when only a delay is given). The first matching rule with uses left applies.
 */
export interface ScimFaultRule {
  /** e.g. 'PATCH'; default any method. */
  method?: string;
  /** A substring of the path relative to the SCIM base (e.g. '/Users/U0ALICE01'); default any path. */
  path?: string;
  status?: ScimFaultStatus;
  delayMs?: number;
  /** How many matching requests are affected; default every one. */
  times?: number;
  /** With 429/503: the Retry-After header, in seconds or as an HTTP date. */
  retryAfter?: number | Date;
  /** With 5xx: the change is made before the error is answered (the caller cannot tell it happened). */
  afterApply?: boolean;
}

export interface ScimSimulator {
  /** The SCIM base URL, e.g. http://127.0.0.1:PORT/scim/v2/ */
  url: string;
  /** The user's true state (undefined for an unknown id or a bot, which SCIM does not list). */
  user(id: string): ScimUserState | undefined;
  /** Someone re-enables the account outside the bot (an admin, an IdP sync). */
  reactivateFromOutside(id: string): void;
  /** The identity provider deactivates the account on its own, as it usually does first when someone leaves. */
  deactivateFromOutside(id: string): void;
  /**
   * From now on, something outside the bot (an IdP sync) puts this account back to `active` right
   * after each change the bot makes: the change is answered as made, and the next read finds the
   * account as pinned. `undefined` unpins it.
   */
  pinActive(id: string, active: boolean | undefined): void;
  calls: ScimCall[];
  sessionEnds: ScimSessionEnd[];
  fault(rule: ScimFaultRule): void;
  clearFaults(): void;
}
