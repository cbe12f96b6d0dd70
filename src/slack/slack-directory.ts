import type { WebClient } from '@slack/web-api';
import type { ApproverSource } from '../config/config.js';
import type { SlackPerson } from '../requests/validate-request.js';

/**
 * A minute is short enough that a deactivation or an email change shows up before anyone could
 * act on the stale answer (a request still waits for an approver), long enough that opening and
 * submitting the form asks Slack about each person once.
 */
const PERSON_TTL_MS = 60_000;
/** Entries are small; the bound only matters if someone submits many made-up user ids. */
const MAX_CACHED_PEOPLE = 5_000;
/**
 * How long one reading of a user group's members answers later questions: a burst of clicks asks
 * Slack once (usergroups.users.list allows about 20 calls a minute), and someone taken out of
 * the approvers' group can no longer decide a few seconds later.
 */
const GROUP_TTL_MS = 3_000;

interface CachedPerson {
  answer: Promise<SlackPerson | undefined>;
  expiresAt: number;
}

/** Who people are, and who may approve, asked of Slack at the moment it matters. */
export class SlackDirectory {
  private readonly people = new Map<string, CachedPerson>();
  private readonly groups = new Map<string, { answer: Promise<string[]>; expiresAt: number }>();

  constructor(
    private readonly client: WebClient,
    private readonly approvers: ApproverSource,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Cached per process for a minute, in-flight lookups included: a form submission's checks run
   * under a deadline, and a second lookup of the same person joins the first instead of asking again.
   * A failed lookup is not cached.
   */
  person(userId: string): Promise<SlackPerson | undefined> {
    const cached = this.people.get(userId);
    if (cached && cached.expiresAt > this.now()) return cached.answer;
    if (this.people.size >= MAX_CACHED_PEOPLE) this.evictExpiredOrOldest();
    const answer = this.lookUp(userId);
    this.people.set(userId, { answer, expiresAt: this.now() + PERSON_TTL_MS });
    answer.catch(() => {
      if (this.people.get(userId)?.answer === answer) this.people.delete(userId);
    });
    return answer;
  }

  private evictExpiredOrOldest(): void {
    const now = this.now();
    for (const [id, entry] of this.people) if (entry.expiresAt <= now) this.people.delete(id);
    // Maps iterate in insertion order: the first key is the oldest entry.
    if (this.people.size >= MAX_CACHED_PEOPLE) this.people.delete(this.people.keys().next().value!);
  }

  private async lookUp(userId: string): Promise<SlackPerson | undefined> {
    try {
      const { user } = await this.client.users.info({ user: userId });
      if (!user?.id) return undefined;
      return {
        id: user.id,
        name: user.real_name || user.profile?.real_name || user.name || user.id,
        email: user.profile?.email || undefined,
        isBot: Boolean(user.is_bot) || user.id === 'USLACKBOT',
        deleted: Boolean(user.deleted),
      };
    } catch (err) {
      if ((err as { data?: { error?: string } }).data?.error === 'user_not_found') return undefined;
      throw err;
    }
  }

  /** Read at click time (an answer at most GROUP_TTL_MS old), so a change to the user group takes effect within seconds. */
  async isApprover(userId: string): Promise<boolean> {
    return (await this.approverIds()).includes(userId);
  }

  /** Who may approve right now: recorded with each approval as the group's membership at click time. */
  approverIds(): Promise<string[]> {
    return this.members(this.approvers);
  }

  /**
   * The members of a user group as Slack said at most GROUP_TTL_MS ago (questions asked while
   * Slack is answering join that answer; a failed reading is not kept), or the configured ids.
   */
  async members(source: ApproverSource): Promise<string[]> {
    if (source.kind === 'users') return [...source.ids];
    let cached = this.groups.get(source.id);
    if (!cached || cached.expiresAt <= this.now()) {
      const answer = this.client.usergroups.users.list({ usergroup: source.id }).then(({ users }) => users ?? []);
      cached = { answer, expiresAt: this.now() + GROUP_TTL_MS };
      this.groups.set(source.id, cached);
      answer.catch(() => {
        if (this.groups.get(source.id)?.answer === answer) this.groups.delete(source.id);
      });
    }
    return [...(await cached.answer)];
  }

  describeApprovers(): string {
    return this.approvers.kind === 'users'
      ? this.approvers.ids.map((id) => `<@${id}>`).join(', ')
      : `<!subteam^${this.approvers.id}>`;
  }
}
