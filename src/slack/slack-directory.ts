import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { ApproverSource } from '../config/config.js';
import type { Keys } from '../redis.js';
import type { Privilege } from '../requests/privilege.js';
import type { SlackPerson } from '../requests/validate-request.js';
import { wellFormed } from '../well-formed.js';

/**
 * How long one answer about a person stands, in every process that shares Redis: long enough that
 * a form filled in over a few minutes is checked from what Slack said when the person was picked,
 * and that a run (in another process) names its people without asking again; short enough that a
 * deactivation or an email change shows up before anyone could act on the stale answer (a request
 * still waits for an approver, and the run reads every system back itself).
 */
const PERSON_TTL_MS = 10 * 60_000;
/** Entries are small; the bound only matters if someone submits many made-up user ids. */
const MAX_CACHED_PEOPLE = 5_000;
/**
 * How long one reading of a user group's members answers later questions: a burst of clicks asks
 * Slack once (usergroups.users.list allows about 20 calls a minute), and someone taken out of
 * the approvers' group can no longer decide a few seconds later.
 */
const GROUP_TTL_MS = 3_000;
/**
 * Names are shown in messages beside what they are about (a DM's outcome, a rejection's reason):
 * one longer than this is cut, so it cannot crowd out the rest of a message.
 */
const NAME_LIMIT = 200;

interface CachedPerson {
  answer: Promise<SlackPerson | undefined>;
  expiresAt: number;
  /** The answer, once it has come (`person` undefined: Slack does not know them). */
  settled?: { person: SlackPerson | undefined };
}

/** One answer as kept in Redis: who Slack said the person is (null: Slack does not know them), and when it said so. */
const sharedAnswer = z.object({
  person: z
    .object({
      id: z.string(),
      name: z.string(),
      email: z.string().optional(),
      isBot: z.boolean(),
      deleted: z.boolean(),
      isAdmin: z.boolean().optional(),
      isOwner: z.boolean().optional(),
    })
    .nullable(),
  at: z.number(),
});

export interface DirectoryOptions {
  /** Where answers about people are shared with every other process of the bot; without it, each process asks for itself. */
  shared?: { redis: Redis; keys: Keys };
  /** OFFBOARD_COMPLIANCE: its members are privileged (see privilegesOf). */
  compliance?: ApproverSource;
  now?: () => number;
}

/** Who people are, and who may approve, asked of Slack at the moment it matters. */
export class SlackDirectory {
  private readonly people = new Map<string, CachedPerson>();
  private readonly groups = new Map<string, { answer: Promise<string[]>; expiresAt: number }>();
  private readonly shared: DirectoryOptions['shared'];
  private readonly compliance: ApproverSource | undefined;
  private readonly now: () => number;

  constructor(
    private readonly client: WebClient,
    private readonly approvers: ApproverSource,
    { shared, compliance, now = Date.now }: DirectoryOptions = {},
  ) {
    this.shared = shared;
    this.compliance = compliance;
    this.now = now;
  }

  /**
   * One answer per person for PERSON_TTL_MS, shared through Redis by every process and joined by
   * lookups in flight: the person is looked up when picked in the form, so the submission's checks
   * (under Slack's 3 s) read the answer instead of asking, and a run in a worker names the same
   * people without asking again. A failed lookup is not kept.
   */
  person(userId: string): Promise<SlackPerson | undefined> {
    const cached = this.people.get(userId);
    if (cached && cached.expiresAt > this.now()) return cached.answer;
    if (this.people.size >= MAX_CACHED_PEOPLE) this.evictExpiredOrOldest();
    const entry: CachedPerson = {
      answer: this.sharedOrAsked(userId, (expiresAt) => {
        entry.expiresAt = expiresAt;
      }),
      expiresAt: this.now() + PERSON_TTL_MS,
    };
    this.people.set(userId, entry);
    entry.answer.then(
      (person) => {
        entry.settled = { person };
      },
      () => {
        if (this.people.get(userId) === entry) this.people.delete(userId);
      },
    );
    return entry.answer;
  }

  /**
   * What this process already knows of the person, without asking anyone (Redis included): for
   * answers that must not wait, such as a form's submission. Undefined when nothing is known here yet.
   */
  known(userId: string): { person: SlackPerson | undefined } | undefined {
    const cached = this.people.get(userId);
    return cached && cached.expiresAt > this.now() ? cached.settled : undefined;
  }

  /** Redis's answer while it stands (it then expires here when it expires there), else Slack's, written back for the others. */
  private async sharedOrAsked(userId: string, expiresAt: (at: number) => void): Promise<SlackPerson | undefined> {
    const shared = this.shared;
    if (!shared) return this.lookUp(userId);
    const key = shared.keys.slackPerson(userId);
    const kept = await shared.redis.get(key).then(readShared, () => undefined);
    if (kept && kept.at + PERSON_TTL_MS > this.now()) {
      expiresAt(kept.at + PERSON_TTL_MS);
      return kept.person ?? undefined;
    }
    const at = this.now();
    const person = await this.lookUp(userId);
    // Best effort: without it, the next process asks Slack again; nothing is wrong, only slower.
    await shared.redis.set(key, JSON.stringify({ person: person ?? null, at }), 'PX', PERSON_TTL_MS).catch(() => undefined);
    return person;
  }

  private evictExpiredOrOldest(): void {
    const now = this.now();
    for (const [id, entry] of this.people) if (entry.expiresAt <= now) this.people.delete(id);
    // Maps iterate in insertion order: the first key is the oldest entry.
    if (this.people.size >= MAX_CACHED_PEOPLE) this.people.delete(this.people.keys().next().value!);
  }

  /**
   * The Slack user with exactly this email (Slack compares it without letter case), deactivated
   * ones included where Slack says so: for someone who cannot be picked in the form, or whom an HR
   * system names. Undefined when Slack knows nobody by it. Asked each time: it is asked once per request.
   */
  async byEmail(email: string): Promise<SlackPerson | undefined> {
    try {
      const { user } = await this.client.users.lookupByEmail({ email });
      const person = user?.id ? personOf({ ...user, id: user.id }) : undefined;
      return person?.email?.toLowerCase() === email.toLowerCase() ? person : undefined;
    } catch (err) {
      if ((err as { data?: { error?: string } }).data?.error === 'users_not_found') return undefined;
      throw err;
    }
  }

  private async lookUp(userId: string): Promise<SlackPerson | undefined> {
    try {
      const { user } = await this.client.users.info({ user: userId });
      if (!user?.id) return undefined;
      return personOf({ ...user, id: user.id });
    } catch (err) {
      if ((err as { data?: { error?: string } }).data?.error === 'user_not_found') return undefined;
      throw err;
    }
  }

  /** Read at click time (an answer at most GROUP_TTL_MS old), so a change to the user group takes effect within seconds. */
  async isApprover(userId: string): Promise<boolean> {
    return (await this.approverIds()).includes(userId);
  }

  /** A member of OFFBOARD_COMPLIANCE right now (read like approvers, at the moment of asking). */
  async isCompliance(userId: string): Promise<boolean> {
    return this.compliance ? (await this.members(this.compliance)).includes(userId) : false;
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

  /**
   * What the person can do to the bot or the workspace, read now: an approver, a compliance member,
   * a workspace admin or owner. Offboarding them needs two approvers (see approval-policy).
   */
  async privilegesOf(userId: string): Promise<Privilege[]> {
    const [approvers, compliance, person] = await Promise.all([
      this.approverIds(),
      this.compliance ? this.members(this.compliance) : Promise.resolve([]),
      this.person(userId),
    ]);
    const privileges: Privilege[] = [];
    if (approvers.includes(userId)) privileges.push({ kind: 'approver' });
    if (compliance.includes(userId)) privileges.push({ kind: 'compliance' });
    if (person?.isOwner) privileges.push({ kind: 'workspace_owner' });
    else if (person?.isAdmin) privileges.push({ kind: 'workspace_admin' });
    return privileges;
  }

  describeApprovers(): string {
    return this.approvers.kind === 'users' ? this.approvers.ids.map((id) => `<@${id}>`).join(', ') : `<!subteam^${this.approvers.id}>`;
  }
}

function readShared(raw: string | null): z.infer<typeof sharedAnswer> | undefined {
  if (!raw) return undefined;
  try {
    const parsed = sharedAnswer.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

interface SlackUser {
  id?: string;
  name?: string;
  real_name?: string;
  profile?: { real_name?: string; email?: string };
  is_bot?: boolean;
  deleted?: boolean;
  is_admin?: boolean;
  is_owner?: boolean;
}

function personOf(user: SlackUser & { id: string }): SlackPerson {
  return {
    id: user.id,
    // Names are typed by people: well-formed before a request, the trail or a message holds them.
    name: wellFormed((user.real_name || user.profile?.real_name || user.name || user.id).slice(0, NAME_LIMIT)),
    email: user.profile?.email ? wellFormed(user.profile.email) : undefined,
    isBot: Boolean(user.is_bot) || user.id === 'USLACKBOT',
    deleted: Boolean(user.deleted),
    isAdmin: Boolean(user.is_admin),
    isOwner: Boolean(user.is_owner),
  };
}
