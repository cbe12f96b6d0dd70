import type { SystemStep } from '../system.js';
import { accessGroupsStep } from './access-groups-step.js';
import { accountMembershipStep } from './account-membership-step.js';
import { apiKeysStep } from './api-keys-step.js';
import { createdCredentialsStep, createdKeysAndProfilesStep } from './created-resources-steps.js';
import { dynamicGroupsStep } from './dynamic-groups-step.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { policiesStep } from './policies-step.js';
import { serviceIdKeysStep } from './service-id-keys-step.js';
import { serviceIdsStep } from './service-ids-step.js';
import { trustedProfilesStep } from './trusted-profiles-step.js';
import { authorizedKeysStep, sshKeysStep } from './vpc/ssh-keys-step.js';

/** What offboarding does in each account, in the order the checklist shows it. */
export const ibmCloudSteps: readonly SystemStep<IbmCloudClient>[] = [
  { step: 'api-keys', title: 'API keys', connect: (client, accountId) => apiKeysStep(client.inAccount(accountId), accountId) },
  { step: 'access-groups', title: 'Access groups', connect: (client, accountId) => accessGroupsStep(client.inAccount(accountId), accountId) },
  {
    step: 'dynamic-access-groups',
    title: 'Rule-based access groups',
    reportsResidual: true,
    connect: (client, accountId) => dynamicGroupsStep(client.inAccount(accountId), accountId),
  },
  { step: 'policies', title: 'Direct access policies', connect: (client, accountId) => policiesStep(client.inAccount(accountId), accountId) },
  { step: 'trusted-profiles', title: 'Trusted profile links', connect: (client, accountId) => trustedProfilesStep(client.inAccount(accountId), accountId) },
  // What the person created: acted on as the request chose (handed over, disabled, deleted); on a
  // role change the person stays, and what they made stays with them, so these are left out.
  {
    step: 'service-id-keys',
    title: 'Keys of service IDs they created',
    createdByPerson: true,
    connect: (client, accountId) => serviceIdKeysStep(client.inAccount(accountId), accountId),
  },
  {
    step: 'service-ids',
    title: 'Service IDs they created',
    createdByPerson: true,
    connect: (client, accountId) => serviceIdsStep(client.inAccount(accountId), accountId),
  },
  // Listed, never changed: two steps, so neither needs every listing of the account to answer at once.
  {
    step: 'created-credentials',
    title: 'Service credentials and instances they created',
    createdByPerson: true,
    recordsOnly: true,
    connect: (client, accountId) => createdCredentialsStep(client.inAccount(accountId), accountId),
  },
  {
    step: 'created-keys-and-profiles',
    title: "Keys on others' service IDs and profiles they created",
    createdByPerson: true,
    recordsOnly: true,
    connect: (client, accountId) => createdKeysAndProfilesStep(client.inAccount(accountId), accountId),
  },
  // VPC SSH keys: an approver says which are theirs (IBM records no creator); deleted at the delete phase only.
  {
    step: 'vpc-ssh-keys',
    title: 'VPC SSH keys',
    // Reviewed during the grace period wherever the servers step of the disable phase could look.
    review: { feature: 'vpc', button: 'review', label: 'Review SSH keys…', sameLookAs: 'vpc-authorized-keys' },
    connect: (client, accountId) => sshKeysStep(client.inAccount(accountId), accountId),
  },
  // Deleting a key leaves it in the authorized_keys of the servers it initialised: one task per server,
  // attested by an approver. Opened in the disable phase (access through a server does not wait for the
  // grace period), asked again in the deletion only for servers not attested yet (or found since the review).
  {
    step: 'vpc-authorized-keys',
    title: 'Their SSH keys on VPC servers',
    attestItems: {
      instructions:
        "Remove each SSH key listed from root's authorized_keys on its server (deleting the key resource does not), then attest it: Done, or Not applicable with why (the key is not theirs, the server is gone).",
    },
    connect: (client, accountId) => authorizedKeysStep(client.inAccount(accountId), accountId),
  },
  // Closes the account: the person's keys, groups, policies and links there are listed and removed first, each on its own.
  {
    step: 'account-membership',
    title: 'Account membership',
    endsIdentity: true,
    closing: true,
    connect: (client, accountId) => accountMembershipStep(client.inAccount(accountId), accountId),
  },
];
