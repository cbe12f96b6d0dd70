import { PermanentError } from '../step-errors.js';
import { wellFormedDeep } from '../../well-formed.js';
import { classifyScimAnswer, classifyScimNoAnswer } from './classify-scim-error.js';
import type { SlackScimSettings } from './settings.js';

/** A Slack account as SCIM reports it. */
export interface SlackScimUser {
  id: string;
  userName: string;
  active: boolean;
  emails: string[];
  displayName: string;
}

/** Counts one call by outcome: `ok`, Slack's HTTP status, or `network` when no answer came. */
export type ScimCallCounter = (operation: string, status: string) => void;

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** Accounts asked for per page of a list; one email matches one or two. */
const LIST_PAGE = 100;

interface Answer {
  status: number;
  body: unknown;
}

/**
 * The only module that speaks to Slack's SCIM v2 API. Every request goes through `call`, which
 * applies the per-call timeout, counts the call and classifies errors once; it never retries,
 * because BullMQ owns retrying.
 */
export class SlackScimClient {
  constructor(
    private readonly settings: SlackScimSettings,
    private readonly countCall?: ScimCallCounter,
  ) {}

  /** Undefined when Slack has no such user (a deactivated user is still found, `active: false`). */
  async getUser(id: string): Promise<SlackScimUser | undefined> {
    const answer = await this.call('get user', 'GET', `Users/${encodeURIComponent(id)}`, [404]);
    return answer.status === 404 ? undefined : userOf('get user', answer.body);
  }

  /**
   * Every account whose email is exactly `email` (letter case aside, as SCIM compares emails),
   * deactivated ones included: Slack's filter narrows the list, every page of it is read, and
   * each answer is compared here too, so a server that filters loosely cannot widen the match.
   */
  async findByEmail(email: string): Promise<SlackScimUser[]> {
    const wanted = email.toLowerCase();
    const found: SlackScimUser[] = [];
    const filter = `emails.value eq "${email.replace(/["\\]/g, (c) => `\\${c}`)}"`;
    for (let startIndex = 1; ; ) {
      const query = new URLSearchParams({ filter, startIndex: String(startIndex), count: String(LIST_PAGE) });
      const answer = await this.call('find user by email', 'GET', `Users?${query}`, []);
      const page = listOf('find user by email', answer.body);
      found.push(...page.users.filter((u) => u.emails.some((e) => e.toLowerCase() === wanted)));
      startIndex += page.users.length;
      if (page.users.length === 0 || startIndex > page.totalResults) return found;
    }
  }

  /** Deactivates (signing the user out everywhere) or reactivates; false when the user does not exist. */
  async setActive(id: string, active: boolean): Promise<boolean> {
    const operation = active ? 'reactivate user' : 'deactivate user';
    const patch = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: active }] };
    const answer = await this.call(operation, 'PATCH', `Users/${encodeURIComponent(id)}`, [404], patch);
    return answer.status !== 404;
  }

  /**
   * Whose token SLACK_ADMIN_TOKEN is: Slack's `auth.test` with it names the user (SCIM itself does
   * not say). Asked each time: the token can be replaced without the bot restarting.
   */
  async tokenOwner(): Promise<string> {
    const operation = 'identify admin token';
    let res: Response;
    let text: string;
    try {
      res = await fetch(new URL('auth.test', this.settings.apiUrl), {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.settings.token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      this.countCall?.(operation, 'network');
      throw classifyScimNoAnswer(operation, err, this.settings.timeoutMs);
    }
    const body = parseBody(text) as { ok?: boolean; user_id?: unknown; error?: unknown } | string;
    const ok = res.status >= 200 && res.status < 300 && typeof body === 'object' && body.ok === true;
    this.countCall?.(operation, ok ? 'ok' : String(res.status));
    if (res.status < 200 || res.status >= 300) throw classifyScimAnswer(operation, { status: res.status, retryAfter: res.headers.get('retry-after'), body });
    if (!ok || typeof body !== 'object' || typeof body.user_id !== 'string') {
      const error = typeof body === 'object' && typeof body.error === 'string' ? body.error : 'no user in the answer';
      throw new PermanentError(`${operation}: Slack's auth.test refused SLACK_ADMIN_TOKEN (${error}); check that it is a valid user token (xoxp-…)`);
    }
    return body.user_id;
  }

  /** Resolves with 2xx answers and the `absent` statuses the caller handles; throws classified errors. */
  private async call(operation: string, method: string, path: string, absent: number[], body?: unknown): Promise<Answer> {
    const url = new URL(path, this.settings.scimUrl);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers: {
          Authorization: `Bearer ${this.settings.token}`,
          Accept: 'application/scim+json, application/json',
          ...(body !== undefined ? { 'Content-Type': 'application/scim+json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        // Covers the body too: a stalled answer is cut off like a missing one.
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      this.countCall?.(operation, 'network');
      throw classifyScimNoAnswer(operation, err, this.settings.timeoutMs);
    }
    const ok = res.status >= 200 && res.status < 300;
    this.countCall?.(operation, ok ? 'ok' : String(res.status));
    // Names and emails in SCIM answers are outside text: well-formed before anything records them.
    const parsed = wellFormedDeep(parseBody(text));
    if (ok || absent.includes(res.status)) return { status: res.status, body: parsed };
    throw classifyScimAnswer(operation, { status: res.status, retryAfter: res.headers.get('retry-after'), body: parsed });
  }
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A page of a list of users; a 200 that is not a ListResponse (a wrong SLACK_SCIM_URL) must not pass as an empty one. */
function listOf(operation: string, body: unknown): { users: SlackScimUser[]; totalResults: number } {
  const list = body as { Resources?: unknown; totalResults?: unknown } | null;
  if (typeof list?.totalResults !== 'number') throw new PermanentError(`${operation}: Slack SCIM answered without a list of users; check SLACK_SCIM_URL`);
  const resources = Array.isArray(list.Resources) ? list.Resources : [];
  return { users: resources.map((u) => userOf(operation, u)), totalResults: list.totalResults };
}

/** A 200 that is not a User resource (a proxy's page, a wrong SLACK_SCIM_URL) must not pass as one. */
function userOf(operation: string, body: unknown): SlackScimUser {
  const u = body as { id?: unknown; userName?: unknown; active?: unknown; emails?: unknown; displayName?: unknown } | null;
  if (typeof u?.id !== 'string' || typeof u.active !== 'boolean') {
    throw new PermanentError(`${operation}: Slack SCIM answered without a user resource; check SLACK_SCIM_URL`);
  }
  const emails = Array.isArray(u.emails) ? u.emails.map((e: { value?: unknown }) => e?.value).filter((v): v is string => typeof v === 'string') : [];
  return {
    id: u.id,
    userName: typeof u.userName === 'string' ? u.userName : '',
    active: u.active,
    emails,
    displayName: typeof u.displayName === 'string' ? u.displayName : '',
  };
}
