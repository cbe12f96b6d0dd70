import type { WebClient } from '@slack/web-api';
import type { ApproverSource } from '../config/config.js';
import type { SlackPerson } from '../requests/validate-request.js';

/** Who people are, and who may approve, asked of Slack at the moment it matters. */
export class SlackDirectory {
  constructor(
    private readonly client: WebClient,
    private readonly approvers: ApproverSource,
  ) {}

  async person(userId: string): Promise<SlackPerson | undefined> {
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

  /** Read at click time, so a change to the user group takes effect at once. */
  async isApprover(userId: string): Promise<boolean> {
    if (this.approvers.kind === 'users') return this.approvers.ids.includes(userId);
    const { users } = await this.client.usergroups.users.list({ usergroup: this.approvers.id });
    return (users ?? []).includes(userId);
  }

  describeApprovers(): string {
    return this.approvers.kind === 'users'
      ? this.approvers.ids.map((id) => `<@${id}>`).join(', ')
      : `<!subteam^${this.approvers.id}>`;
  }
}
