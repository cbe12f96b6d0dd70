import type { Viewer } from '../src/requests/request-visibility.js';
import type { CommandDeps } from './deps.js';

/** The roles of who asks, read from Slack now; a role Slack cannot confirm is not assumed, so they see only their own requests. */
export async function readViewer(deps: Pick<CommandDeps, 'directory' | 'logger'>, userId: string): Promise<Viewer> {
  const role = async (name: string, read: () => Promise<boolean>) => {
    try {
      return await read();
    } catch (err) {
      deps.logger.warn({ userId, role: name, err: (err as Error).message }, 'could not check a role; showing only their own requests');
      return false;
    }
  };
  const [isApprover, isCompliance] = await Promise.all([
    role('approver', () => deps.directory.isApprover(userId)),
    role('compliance', () => deps.directory.isCompliance(userId)),
  ]);
  return { userId, isApprover, isCompliance };
}
