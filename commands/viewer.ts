import type { Viewer } from '../src/requests/request-visibility.js';
import type { CommandDeps } from './deps.js';

/**
 * The roles and email of who asks, read from Slack now; a role Slack cannot confirm is not assumed,
 * so they see only their own requests. Nor is one when their email cannot be read: a request filed
 * by email about them could not be told apart. Nor while a request about them is open (or that
 * cannot be checked): someone being offboarded keeps no power in the bot, seeing what waits on
 * approvers or compliance included, and is not told why (that would tell them of the request).
 */
export async function readViewer(deps: Pick<CommandDeps, 'directory' | 'logger' | 'store'>, userId: string): Promise<Viewer> {
  const role = async (name: string, read: () => Promise<boolean>) => {
    try {
      return await read();
    } catch (err) {
      deps.logger.warn({ userId, role: name, err: (err as Error).message }, 'could not check a role; showing only their own requests');
      return false;
    }
  };
  const [isApprover, isCompliance, person] = await Promise.all([
    role('approver', () => deps.directory.isApprover(userId)),
    role('compliance', () => deps.directory.isCompliance(userId)),
    deps.directory.person(userId).then(
      (p) => ({ email: p?.email }),
      (err: Error) => {
        deps.logger.warn({ userId, err: err.message }, 'could not read their email; showing only their own requests');
        return undefined;
      },
    ),
  ]);
  if (!person) return { userId, isApprover: false, isCompliance: false };
  const email = person.email ? { email: person.email } : {};
  if (isApprover || isCompliance) {
    // By id and by the email just read, as openAboutUser asks (src/requests/open-about-user.ts).
    const offboarded = await deps.store.openAbout({ slackUserId: userId, email: person.email }).then(
      (open) => open !== undefined,
      (err: Error) => {
        deps.logger.warn({ userId, err: err.message }, 'could not check for a request about them; showing only their own requests');
        return true;
      },
    );
    if (offboarded) return { userId, isApprover: false, isCompliance: false, ...email };
  }
  return { userId, isApprover, isCompliance, ...email };
}
