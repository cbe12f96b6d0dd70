import type { Finding, SignIns, StepCapabilities, StepContext } from '../connector.js';
import type { Identity } from '../system.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { personScopedStep, removeEach } from './person-scoped-step.js';

const membership = (identity: Identity): Finding => ({ id: identity.id, label: identity.label, detail: identity.detail });

/**
 * Removes the person from the account itself, at the end: during the grace period they stay a
 * member (with no access), so a reinstatement needs no new invitation. A re-scan also asks the
 * account's latest activity report whether one of the person's logins signed in since.
 */
export function accountMembershipStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  return {
    ...personScopedStep(accountId, {
      // The account's user list the identification read moments ago, while current: no call of its own.
      // A read-back is never answered by a list read before it asked: it reads the one record.
      list: async (identity) => ((await client.isMemberNow(accountId, identity.id)) ? [membership(identity)] : []),
      delete: { act: (ctx, _identity, found) => removeEach(found, (iamId) => client.removeUser(accountId, iamId, ctx.transactionId)) },
    }),
    signInsSince: (ctx, since) => signInsInLatestReport(client, accountId, ctx, since),
  };
}

/**
 * The person's logins that IAM's latest activity report of the account names with a sign-in after
 * `since`. IAM keeps only an account's latest report and the inactive-identities sweep makes it: a
 * re-scan never makes one (that would make the sweep's reference unknown) and never waits for one
 * generating. The report lists the identities that did not sign in within its window, each with its
 * last sign-in, so it can only show a sign-in after `since` when its window starts after it; a
 * report that ended before `since` tells nothing about it.
 */
async function signInsInLatestReport(client: IbmCloudClient, accountId: string, ctx: StepContext, since: string): Promise<SignIns> {
  const report = await client.getInactiveReport(accountId, 'latest');
  if (report.state === 'unknown')
    return { found: [], unchecked: 'sign-ins not checked: the account has no activity report (the inactive-identities sweep makes one)' };
  if (report.state === 'generating') return { found: [], unchecked: 'sign-ins not checked: the latest activity report is still generating' };
  if (report.endTime !== undefined && Date.parse(report.endTime) <= Date.parse(since)) {
    return {
      found: [],
      unchecked: `sign-ins not checked: the latest activity report (${report.reference}) ended at ${report.endTime}, before access was removed`,
    };
  }
  const mine = new Map(ctx.identities.map((i) => [i.id, i]));
  const found: Finding[] = [];
  for (const entry of report.identities) {
    const identity = entry.kind === 'user' ? mine.get(entry.id) : undefined;
    if (!identity || entry.lastAuthn === undefined || !(Date.parse(entry.lastAuthn) > Date.parse(since))) continue;
    found.push({
      id: identity.id,
      label: identity.label,
      owner: identity.id,
      detail: `signed in at ${entry.lastAuthn}, as IAM's activity report ${report.reference} of account ${accountId} says`,
      lastUsed: entry.lastAuthn,
    });
  }
  return { found };
}
