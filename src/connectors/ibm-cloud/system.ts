import type { Identity, SystemModule } from '../system.js';
import { RateBudget } from '../rate-budget.js';
import { IbmCloudClient } from './ibm-cloud-client.js';
import { ibmCloudVariables, readIbmCloudSettings } from './settings.js';
import { ibmCloudSteps } from './steps.js';
import { VpcReviews } from './vpc/vpc-review.js';
import { vpcReviewFeature } from './vpc/vpc-review-feature.js';
import { sweepFeature } from './sweep/sweep-feature.js';

/**
 * The share of IBMCLOUD_MAX_RPS read-backs (and re-scans) may take at most while an action waits for
 * its turn in the account: the rest is kept for inventories and changes. A person's read-backs are a
 * quarter to a third of their calls once the bot has learned how long IAM takes to show a change
 * (bench/README.md#calls): a smaller share would hold back the runs' own verification.
 */
export const READ_BACK_SHARE = 0.5;

/** IBM Cloud: every configured account is a scope; the person is found by the email on their Slack profile. */
export const ibmCloud: SystemModule<IbmCloudClient> = {
  id: 'ibm-cloud',
  title: 'IBM Cloud',
  scopeNoun: 'account',
  notCovered: [
    'sessions and tokens IBM Cloud issued before access was removed, which stay valid until they expire (up to an hour)',
    "service credentials the person created and API keys they made on others' service IDs, which are listed with their creator and left working: they have seen the secrets, and each is a rotation task in the checklist that the successor or an approver closes, not rotated by this run",
    'service IDs the person created and their keys, when the request hands them over: they keep working',
    'dynamic (rule-based) access-group memberships, which IBM Cloud does not let anyone remove',
    "VPC SSH keys nobody named as theirs in the review (IBM records no key's creator); keys added to a server's authorized_keys other than when it was created (VPC records only those); and the removal of their keys from servers' authorized_keys, which deleting a key resource leaves in place: one task per server, done by hand and attested by an approver, never read back",
  ],
  // `ibmapikey=…`, and a pasted API key: 44 base64url characters, which may hold no digit.
  secretShapes: { keys: ['ibm[_-]?api[_-]?key'], randomLengths: [44] },
  steps: ibmCloudSteps,
  switchedOnBy: 'IBMCLOUD_API_KEY',
  variables: ibmCloudVariables,
  configure(env) {
    const settings = readIbmCloudSettings(env);
    if ('problems' in settings) return settings;
    return {
      scopes: settings.accountIds,
      secrets: [settings.apiKey],
      summary: {
        accounts: settings.accountIds.length,
        iamUrl: settings.iamUrl,
        userManagementUrl: settings.userManagementUrl,
        iamIdentityUrl: settings.iamIdentityUrl,
        accessGroupsUrl: settings.accessGroupsUrl,
        policyManagementUrl: settings.policyManagementUrl,
        timeoutMs: settings.timeoutMs,
        vpcRegions: settings.vpc.regions.length ? settings.vpc.regions.join(',') : 'unset',
        vpcUrl: settings.vpc.url,
        maxRps: settings.maxRps ?? 'unlimited',
      },
      connect: ({ metrics, redis, keys }) =>
        new IbmCloudClient(
          settings,
          metrics,
          settings.maxRps
            ? new RateBudget(redis, (account) => keys.budget('ibm-cloud', account), {
                system: ibmCloud.title,
                rps: settings.maxRps,
                maxWaitMs: 2_000,
                readBackShare: READ_BACK_SHARE,
              })
            : undefined,
        ).withVpcReviews(new VpcReviews(redis, (part) => keys.ofSystem(ibmCloud.id, part))),
      checkStartup: (client) => client.checkCredentials(),
      credentialOwners: async (client) => [{ id: await client.apiKeyOwner(), credential: 'IBMCLOUD_API_KEY' }],
      async identify(client, person, account, earlier, asker) {
        // Every record whose email matches exactly, in any realm and letter case: a second login
        // of the same person keeps its own groups and keys.
        const users = await client.findUsersByEmail(account, person.email, asker);
        const owner = users.length ? await client.accountOwner(account) : undefined;
        const found = users.map(
          (user): Identity => ({
            scope: account,
            id: user.iamId,
            label: `${user.name || user.email} <${user.email}>`,
            detail: `realm ${user.realm}, login ${user.userId}, state ${user.state}${user.iamId === owner ? ', account owner' : ''}`,
            // Stripping the owner's access and then failing to remove them would leave the account half done.
            ...(user.iamId === owner
              ? { refusal: `${user.email} owns account ${account}: transfer its ownership first, then retry; nothing was changed in this account` }
              : {}),
          }),
        );
        // Removed from an account, a person is no longer found there by email; what they held
        // under that IAM id (API keys outlive membership) must still be found.
        const gone = earlier.filter((e) => e.scope === account && !found.some((f) => f.id === e.id));
        return [...found, ...gone.map((e) => ({ ...e, detail: 'no longer a member; found in an earlier round' }))];
      },
      features: [sweepFeature(settings.accountIds, settings.sweep), vpcReviewFeature],
    };
  },
};
