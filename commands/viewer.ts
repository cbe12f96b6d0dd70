import type { Viewer } from '../src/requests/request-visibility.js';
import type { CommandDeps } from './deps.js';

/**
 * The roles and email of who asks, read from Slack now; a role Slack cannot confirm is not assumed,
 * so they see only their own requests. Nor is one when their email cannot be read: a request filed
 * by email about them could not be told apart.
 */
export async function readViewer(deps: Pick<CommandDeps, 'directory' | 'logger'>, userId: string): Promise<Viewer> {
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
  return { userId, isApprover, isCompliance, ...(person.email ? { email: person.email } : {}) };
}
