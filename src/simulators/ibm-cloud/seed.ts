import type {
  IbmCloudSeed,
  SimAccessGroup,
  SimApiKey,
  SimAttribute,
  SimGroupMember,
  SimGroupRule,
  SimHistoryRecord,
  SimPolicy,
  SimResourceInstance,
  SimResourceKey,
  SimServiceId,
  SimTrustedProfile,
  SimUser,
} from './types.js';

/** The API key the simulator's token endpoint accepts by default. */
export const SIM_BOT_API_KEY = 'sim-offboard-bot-api-key';

export const ACME_PRODUCTION = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
export const ACME_STAGING = '0f9e8d7c6b5a49382716051a2b3c4d5e';

export const JANE_EMAIL = 'jane.doe@acme.example';
/** Jane's email on her second user record (SL realm): the same address in other letter case. */
export const JANE_SL_EMAIL = 'Jane.Doe@acme.example';
/** Someone else whose email contains Jane's: a search hit that is not her. */
export const LOOKALIKE_EMAIL = 'xjane.doe@acme.example.org';

/** IAM ids of the seeded people. */
export const SIM_IAM_IDS = {
  jane: 'IBMid-6620000ABC',
  /** Jane's second identity: a member of production only, holding a key and a profile link in staging too. */
  janeSl: 'IBMid-6620000J5L',
  lookalike: 'IBMid-6620000X1D',
  sam: 'IBMid-6620000S4M',
  alex: 'IBMid-6620000A1X',
  morgan: 'IBMid-6620000M0R',
  chris: 'IBMid-6620000C4R',
} as const;

/** Ids of the seeded non-human identities that tests refer to. */
export const SIM_NHI_IDS = {
  /** Jane created it; its key has 30,211 sign-ins; Alex granted it a policy. */
  ciPipeline: 'ServiceId-9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  ciPipelineKey: 'ApiKey-50617283-94a5-4fb6-9c07-18293a4b5c6d',
  /** Alex's service ID, carrying a key Jane created. */
  logShipper: 'ServiceId-8b7c6d5e-4f3a-4b2c-9d1e-0f9a8b7c6d5e',
  logShipperJaneKey: 'ApiKey-8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e',
  /** The service ID and key IBM minted for Jane's service credential `ci-artifacts-writer`. */
  mintedServiceId: 'ServiceId-3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
  mintedKey: 'ApiKey-7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d',
  /** Jane's service instance and her service credential on it. */
  janeInstance: 'crn:v1:bluemix:public:cloud-object-storage:global:a/a1b2c3d4e5f60718293a4b5c6d7e8f90:5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b::',
  janeResourceKey:
    'crn:v1:bluemix:public:cloud-object-storage:global:a/a1b2c3d4e5f60718293a4b5c6d7e8f90:5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b:resource-key:6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c',
  /** Alex's, in the same account: not Jane's. */
  alexInstance: 'crn:v1:bluemix:public:logdna:us-south:a/a1b2c3d4e5f60718293a4b5c6d7e8f90:7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0e::',
  alexResourceKey:
    'crn:v1:bluemix:public:logdna:us-south:a/a1b2c3d4e5f60718293a4b5c6d7e8f90:7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0e:resource-key:8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1f',
  /** The secret of Jane's service credential: it must never leave the simulator through the bot. */
  janeResourceKeySecret: 'sim-secret-ci-artifacts-writer-0f1e2d3c4b5a',
} as const;

interface Person {
  iam_id: string;
  email: string;
  firstname: string;
  lastname: string;
  phonenumber?: string;
}

const JANE: Person = { iam_id: SIM_IAM_IDS.jane, email: JANE_EMAIL, firstname: 'Jane', lastname: 'Doe', phonenumber: '+1 415 555 0142' };
const SAM: Person = { iam_id: SIM_IAM_IDS.sam, email: 'sam.owner@acme.example', firstname: 'Sam', lastname: 'Owner' };
const ALEX: Person = { iam_id: SIM_IAM_IDS.alex, email: 'alex.admin@acme.example', firstname: 'Alex', lastname: 'Admin', phonenumber: '+1 415 555 0107' };
const MORGAN: Person = { iam_id: SIM_IAM_IDS.morgan, email: 'morgan.manager@acme.example', firstname: 'Morgan', lastname: 'Manager' };
const CHRIS: Person = { iam_id: SIM_IAM_IDS.chris, email: 'chris.contractor@acme.example', firstname: 'Chris', lastname: 'Contractor' };
const LOOKALIKE: Person = { iam_id: SIM_IAM_IDS.lookalike, email: LOOKALIKE_EMAIL, firstname: 'Xavier', lastname: 'Jane-Doe' };

function member(accountId: string, profileId: string, p: Person, addedOn: string, realm: SimUser['realm'] = 'IBMid', userId = p.email): SimUser {
  return {
    id: profileId,
    iam_id: p.iam_id,
    realm,
    user_id: userId,
    firstname: p.firstname,
    lastname: p.lastname,
    state: 'ACTIVE',
    email: p.email,
    ...(p.phonenumber ? { phonenumber: p.phonenumber } : {}),
    account_id: accountId,
    added_on: addedOn,
  };
}

function apiKey(accountId: string, id: string, name: string, iamId: string, createdAt: string, extra: Partial<SimApiKey> = {}): SimApiKey {
  return {
    id,
    entity_tag: `1-${id.slice(-12)}`,
    crn: `crn:v1:bluemix:public:iam-identity::a/${accountId}::apikey:${id}`,
    name,
    iam_id: iamId,
    account_id: accountId,
    locked: false,
    disabled: false,
    created_at: createdAt,
    created_by: iamId,
    modified_at: createdAt,
    support_sessions: false,
    action_when_leaked: 'disable',
    ...extra,
  };
}

function created(accountId: string, by: string, at: string, name: string): SimHistoryRecord[] {
  return [{ timestamp: at, iam_id: by, iam_id_account: accountId, action: 'create', params: [name], message: 'Created' }];
}

function serviceId(accountId: string, uuid: string, name: string, description: string, by: string, at: string): SimServiceId {
  const id = `ServiceId-${uuid}`;
  return {
    id,
    iam_id: `iam-${id}`,
    entity_tag: `1-${uuid.slice(-12)}`,
    crn: `crn:v1:bluemix:public:iam-identity::a/${accountId}::serviceid:${id}`,
    locked: false,
    created_at: at,
    modified_at: at,
    account_id: accountId,
    name,
    description,
    history: created(accountId, by, at, name),
  };
}

function profile(accountId: string, uuid: string, name: string, description: string, by: string, at: string): SimTrustedProfile {
  const id = `Profile-${uuid}`;
  return {
    id,
    entity_tag: `1-${uuid.slice(-12)}`,
    crn: `crn:v1:bluemix:public:iam-identity::a/${accountId}::profile:${id}`,
    name,
    description,
    created_at: at,
    modified_at: at,
    iam_id: `iam-${id}`,
    account_id: accountId,
    history: created(accountId, by, at, name),
  };
}

function staticMember(iamId: string, at: string, by: string = SIM_IAM_IDS.alex): SimGroupMember {
  return { iam_id: iamId, type: 'user', membership_type: 'static', created_at: at, created_by_id: by };
}

function group(accountId: string, uuid: string, name: string, description: string, at: string, members: SimGroupMember[], isFederated = false): SimAccessGroup {
  return {
    id: `AccessGroupId-${uuid}`,
    name,
    description,
    account_id: accountId,
    created_at: at,
    created_by_id: SIM_IAM_IDS.sam,
    last_modified_at: at,
    last_modified_by_id: SIM_IAM_IDS.sam,
    is_federated: isFederated,
    members,
  };
}

const eq = (key: string, value: unknown): SimAttribute => ({ key, operator: 'stringEquals', value });
const role = (name: string) => ({ role_id: `crn:v1:bluemix:public:iam::::role:${name}` });
const serviceRole = (service: string, name: string) => ({
  role_id: `crn:v1:bluemix:public:${service}::::serviceRole:${name}`,
});

function policy(
  id: string,
  subject: SimAttribute,
  accountId: string,
  resource: SimAttribute[],
  roles: { role_id: string }[],
  at: string,
  extra: Partial<SimPolicy> = {},
): SimPolicy {
  return {
    id,
    type: 'access',
    subject: { attributes: [subject] },
    control: { grant: { roles } },
    resource: { attributes: [eq('accountId', accountId), ...resource] },
    created_at: at,
    created_by_id: SIM_IAM_IDS.alex,
    last_modified_at: at,
    last_modified_by_id: SIM_IAM_IDS.alex,
    state: 'active',
    ...extra,
  };
}

/** The GUID of a Resource Controller CRN: its 8th field. */
const guidOf = (crn: string) => crn.split(':')[7]!;

function resourceInstance(crn: string, name: string, service: string, by: string, at: string): SimResourceInstance {
  const accountId = crn.split(':')[6]!.slice(2);
  return {
    id: crn,
    guid: guidOf(crn),
    crn,
    url: `/v2/resource_instances/${guidOf(crn)}`,
    name,
    account_id: accountId,
    region_id: crn.split(':')[5]!,
    resource_group_id: '4f5e6d7c8b9a4012a3b4c5d6e7f80912',
    resource_id: `${service}-offering`,
    resource_plan_id: `${service}-standard`,
    type: 'service_instance',
    state: 'active',
    created_at: at,
    updated_at: at,
    created_by: by,
    updated_by: by,
    resource_keys_url: `/v2/resource_instances/${guidOf(crn)}/resource_keys`,
  };
}

function resourceKey(
  crn: string,
  name: string,
  instance: SimResourceInstance,
  by: string,
  at: string,
  credentials: SimResourceKey['credentials'],
): SimResourceKey {
  return {
    id: crn,
    guid: crn.split(':').at(-1)!,
    crn,
    url: `/v2/resource_keys/${crn.split(':').at(-1)!}`,
    name,
    account_id: instance.account_id,
    resource_group_id: instance.resource_group_id,
    resource_id: instance.resource_id,
    source_crn: instance.crn,
    resource_instance_url: instance.url,
    state: 'active',
    iam_compatible: true,
    created_at: at,
    updated_at: at,
    created_by: by,
    updated_by: by,
    credentials,
  };
}

const G = {
  prodDevelopers: 'AccessGroupId-5b8c1d2e-3f40-4a51-9b62-7c83d94ea5f6',
  prodBilling: 'AccessGroupId-6c9d2e3f-4051-4b62-8c73-8d94ea5fb607',
  prodK8s: 'AccessGroupId-7dae3f40-5162-4c73-9d84-9ea5fb60c718',
  ssoUsers: 'AccessGroupId-9fc05162-7384-4e95-9fa6-b0c71d82e93a',
};

/** Ids of seeded access groups that tests refer to. */
export const SIM_GROUP_IDS = { ...G };

function rule(accountId: string, groupId: string, id: string, name: string, conditions: SimGroupRule['conditions'], at: string): SimGroupRule {
  return {
    id,
    name,
    expiration: 24,
    realm_name: 'https://idp.acme.example/saml2',
    access_group_id: groupId,
    account_id: accountId,
    conditions,
    created_at: at,
    created_by_id: SIM_IAM_IDS.sam,
    last_modified_at: at,
    last_modified_by_id: SIM_IAM_IDS.sam,
  };
}

/**
 * The default world: Acme's production and staging accounts. Jane Doe is the person the demo
 * offboards. Plain data: the simulator deep-copies it on start.
 */
export function defaultIbmSeed(): IbmCloudSeed {
  const P = ACME_PRODUCTION;
  const S = ACME_STAGING;
  const { jane, janeSl, sam, alex, morgan, chris } = SIM_IAM_IDS;
  // Jane's classic-infrastructure (SL) login: another user record with her email in other case.
  const JANE_SL: Person = { ...JANE, iam_id: janeSl, email: JANE_SL_EMAIL };

  const users: SimUser[] = [
    member(P, '1f4c0a9e8b7d4c3e9a2b1c0d9e8f7a61', SAM, '2019-03-04T16:20:11.000Z'),
    member(P, '2e5d1b0f9c8e4d4f8b3c2d1e0f9a8b72', ALEX, '2019-05-21T09:12:45.000Z'),
    // Listed before Jane, so that taking the first search hit would take the wrong person.
    member(P, '9a0b1c2d3e4f4a5b8c6d7e8f9a0b1c2d', LOOKALIKE, '2020-07-01T12:00:00.000Z'),
    member(P, '3f6e2c1a0d9f4e5a9c4d3e2f1a0b9c83', JANE, '2021-09-13T08:45:02.000Z'),
    member(P, '0b1c2d3e4f5a4b6c9d7e8f9a0b1c2d3e', JANE_SL, '2020-02-17T15:30:00.000Z', 'SL', `2718281_${JANE_SL_EMAIL}`),
    member(P, '4a7f3d2b1e0a4f6b8d5e4f3a2b1c0d94', MORGAN, '2022-02-07T14:03:37.000Z'),
    member(S, '5b8a4e3c2f1b4a7c9e6f5a4b3c2d1ea5', SAM, '2019-03-04T16:31:58.000Z'),
    member(S, '6c9b5f4d3a2c4b8d8f7a6b5c4d3e2fb6', ALEX, '2019-05-21T09:15:03.000Z'),
    member(S, '7dac6a5e4b3d4c9e9a8b7c6d5e4f3ac7', JANE, '2021-09-13T08:47:29.000Z'),
    member(S, '8ebd7b6f5c4e4daf8b9c8d7e6f5a4bd8', CHRIS, '2024-11-18T10:30:00.000Z'),
  ];

  const apiKeys: SimApiKey[] = [
    apiKey(P, 'ApiKey-0b1c2d3e-4f50-4a61-8b72-c3d4e5f60718', 'offboard-slack-bot', alex, '2024-06-03T12:00:00.000Z', {
      description: 'Used by the offboarding Slack bot. Owner: IT.',
      activity: { last_authn: '2025-01-14T08:00:00.000Z', authn_count: 4821 },
    }),
    apiKey(P, 'ApiKey-1c2d3e4f-5061-4b72-9c83-d4e5f6071829', 'jane-ci-deploy', jane, '2022-04-11T10:22:31.000Z', {
      description: 'Deploys from the team CI runner',
      activity: { last_authn: '2025-01-13T22:41:09.000Z', authn_count: 1377 },
    }),
    apiKey(P, 'ApiKey-2d3e4f50-6172-4c83-8d94-e5f60718293a', 'jane-terraform', jane, '2023-01-30T15:07:44.000Z', {
      expires_at: '2026-01-30T15:07+0000',
      activity: { last_authn: '2024-12-19T11:02:55.000Z', authn_count: 212 },
    }),
    apiKey(S, 'ApiKey-3e4f5061-7283-4d94-9ea5-f60718293a4b', 'jane-staging-cli', jane, '2022-08-02T09:13:20.000Z', {
      activity: { last_authn: '2025-01-10T16:30:00.000Z', authn_count: 95 },
    }),
    apiKey(P, 'ApiKey-5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d', 'jane-sl-automation', janeSl, '2020-03-02T10:00:00.000Z', {
      activity: { last_authn: '2024-11-30T06:15:00.000Z', authn_count: 2304 },
    }),
    // Staging, where this identity is not a member: user API keys outlive (or never had) membership.
    apiKey(S, 'ApiKey-6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e', 'jane-sl-staging-reader', janeSl, '2021-05-11T09:00:00.000Z', {
      activity: { last_authn: '2024-10-02T17:45:00.000Z', authn_count: 61 },
    }),
    apiKey(S, 'ApiKey-4f506172-8394-4ea5-8fb6-0718293a4b5c', 'chris-sandbox', chris, '2024-11-19T13:45:00.000Z', {
      expires_at: '2025-05-31T23:59+0000',
      activity: { last_authn: '2025-01-09T09:09:09.000Z', authn_count: 41 },
    }),
    apiKey(
      P,
      'ApiKey-50617283-94a5-4fb6-9c07-18293a4b5c6d',
      'ci-pipeline-key',
      'iam-ServiceId-9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      '2022-04-11T10:30:00.000Z',
      {
        created_by: jane,
        activity: { last_authn: '2025-01-14T07:59:00.000Z', authn_count: 30211 },
      },
    ),
    apiKey(
      S,
      'ApiKey-61728394-a5b6-4c07-8d18-293a4b5c6d7e',
      'staging-deployer-key',
      'iam-ServiceId-7c6d5e4f-3a2b-4c1d-9e0f-8a7b6c5d4e3f',
      '2022-08-02T09:20:00.000Z',
      {
        created_by: alex,
      },
    ),
    // Jane made a key for Alex's log shipper: hers to account for, though the service ID is not.
    apiKey(P, SIM_NHI_IDS.logShipperJaneKey, 'siem-forwarder', `iam-${SIM_NHI_IDS.logShipper}`, '2023-05-09T11:00:00.000Z', {
      created_by: jane,
      activity: { last_authn: '2025-01-12T03:10:00.000Z', authn_count: 688 },
    }),
    apiKey(P, 'ApiKey-9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f', 'log-shipper-primary', `iam-${SIM_NHI_IDS.logShipper}`, '2020-02-14T12:05:00.000Z', {
      created_by: alex,
      activity: { last_authn: '2025-01-14T06:00:00.000Z', authn_count: 90412 },
    }),
    // Minted by IBM for Jane's service credential ci-artifacts-writer.
    apiKey(P, SIM_NHI_IDS.mintedKey, 'auto-generated-apikey-6f7a8b9c', `iam-${SIM_NHI_IDS.mintedServiceId}`, '2023-02-20T10:01:00.000Z', {
      created_by: jane,
      activity: { last_authn: '2025-01-13T12:00:00.000Z', authn_count: 5120 },
    }),
  ];

  const serviceIds: SimServiceId[] = [
    serviceId(P, '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', 'ci-pipeline', 'Service ID for the CI/CD pipeline', jane, '2022-04-11T10:28:00.000Z'),
    serviceId(P, '8b7c6d5e-4f3a-4b2c-9d1e-0f9a8b7c6d5e', 'log-shipper', 'Ships platform logs to the SIEM', alex, '2020-02-14T12:00:00.000Z'),
    serviceId(S, '7c6d5e4f-3a2b-4c1d-9e0f-8a7b6c5d4e3f', 'staging-deployer', 'Deploys builds to staging', alex, '2022-08-02T09:18:00.000Z'),
    serviceId(S, '6d5e4f3a-2b1c-4d0e-8f9a-7b6c5d4e3f2a', 'monitoring-agent', 'Sysdig agent for staging clusters', alex, '2021-06-30T08:00:00.000Z'),
    serviceId(
      P,
      SIM_NHI_IDS.mintedServiceId.slice('ServiceId-'.length),
      'ci-artifacts-writer',
      'Service ID minted for the service credential ci-artifacts-writer',
      jane,
      '2023-02-20T10:00:30.000Z',
    ),
  ];
  // Renamed later by Alex: the creator is still whoever wrote the earliest record.
  serviceIds[0]!.history.push({
    timestamp: '2024-02-01T09:00:00.000Z',
    iam_id: alex,
    iam_id_account: P,
    action: 'update',
    params: ['ci-pipeline'],
    message: 'Updated',
  });

  const janeInstance = resourceInstance(SIM_NHI_IDS.janeInstance, 'ci-artifacts', 'cloud-object-storage', jane, '2023-02-20T09:55:00.000Z');
  const alexInstance = resourceInstance(SIM_NHI_IDS.alexInstance, 'prod-logs', 'logdna', alex, '2020-02-14T11:50:00.000Z');
  const resourceInstances = [janeInstance, alexInstance];
  const resourceKeys = [
    resourceKey(SIM_NHI_IDS.janeResourceKey, 'ci-artifacts-writer', janeInstance, jane, '2023-02-20T10:00:00.000Z', {
      apikey: SIM_NHI_IDS.janeResourceKeySecret,
      iam_apikey_id: SIM_NHI_IDS.mintedKey,
      iam_apikey_name: 'auto-generated-apikey-6f7a8b9c',
      iam_apikey_description: 'Auto-generated for key crn:v1:bluemix:public:cloud-object-storage',
      iam_role_crn: 'crn:v1:bluemix:public:iam::::serviceRole:Writer',
      iam_serviceid_crn: `crn:v1:bluemix:public:iam-identity::a/${P}::serviceid:${SIM_NHI_IDS.mintedServiceId}`,
    }),
    resourceKey(SIM_NHI_IDS.alexResourceKey, 'prod-logs-ingest', alexInstance, alex, '2020-02-14T12:10:00.000Z', {
      apikey: 'sim-secret-prod-logs-ingest-9e8d7c6b5a4f',
      ingestion_key: 'sim-secret-ingestion-1a2b3c',
    }),
  ];

  const profiles: SimTrustedProfile[] = [
    profile(
      P,
      'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
      'k8s-workload-identity',
      'Pods in prod-cluster-01 assume this profile',
      alex,
      '2023-03-15T10:00:00.000Z',
    ),
    profile(S, 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e', 'staging-ci-federation', 'GitHub Actions OIDC federation for staging', jane, '2023-07-21T14:30:00.000Z'),
  ];
  const [prodProfile, stagingProfile] = profiles.map((p) => p.id);
  const userLink = (profileId: string, iamId: string, description: string, from = profileId === prodProfile ? P : S) => ({
    profile_id: profileId!,
    iam_id: iamId,
    identifier: iamId,
    type: 'user' as const,
    accounts: [from],
    description,
  });
  const profileIdentities = [
    userLink(prodProfile!, jane, 'Break-glass access to the workload identity'),
    userLink(prodProfile!, alex, 'Administers the workload identity'),
    userLink(stagingProfile!, jane, 'Debugs the CI federation'),
    userLink(stagingProfile!, chris, 'Contractor debugging staging CI'),
    // Cross-account trust: assumed from production, where this identity is a member; not one of staging.
    userLink(stagingProfile!, janeSl, 'Release automation signs in from production', P),
  ];

  const accessGroups: SimAccessGroup[] = [
    group(P, G.prodDevelopers.slice(14), 'Developers', 'Engineers who build and ship Acme services', '2019-06-01T10:00:00.000Z', [
      staticMember(jane, '2021-09-13T09:00:00.000Z'),
      staticMember(alex, '2019-06-01T10:00:00.000Z', sam),
    ]),
    group(P, G.prodBilling.slice(14), 'Billing Viewers', 'Read-only access to billing and usage', '2019-06-01T10:05:00.000Z', [
      staticMember(jane, '2022-01-10T11:00:00.000Z'),
      staticMember(morgan, '2022-02-07T14:10:00.000Z'),
      staticMember(janeSl, '2020-03-02T10:05:00.000Z'),
    ]),
    group(P, G.prodK8s.slice(14), 'Kubernetes Operators', 'Operate the production Kubernetes clusters', '2020-03-12T09:00:00.000Z', [
      staticMember(jane, '2021-10-04T13:00:00.000Z'),
      staticMember(alex, '2020-03-12T09:00:00.000Z', sam),
    ]),
    group(P, '8ebf4051-6273-4d84-8e95-afb60c71d829', 'IT Admins', 'Account administration', '2019-05-21T09:30:00.000Z', [
      staticMember(alex, '2019-05-21T09:30:00.000Z', sam),
    ]),
    group(
      P,
      G.ssoUsers.slice(14),
      'SSO Users',
      'Everyone who signs in through the Acme IdP (dynamic rule)',
      '2020-01-08T08:00:00.000Z',
      [{ iam_id: alex, type: 'user', membership_type: 'dynamic', created_at: '2020-01-08T08:00:00.000Z', created_by_id: sam }],
      true,
    ),
    group(S, 'a0d16273-8495-4fa6-8ab7-c1d82e93fa4b', 'Staging Developers', 'Engineers and contractors working on staging', '2019-06-02T10:00:00.000Z', [
      staticMember(jane, '2021-09-13T09:05:00.000Z'),
      staticMember(chris, '2024-11-18T10:35:00.000Z'),
    ]),
    group(S, 'b1e27384-95a6-4ab7-9bc8-d2e93fa40b5c', 'IT Admins', 'Account administration', '2019-05-21T09:35:00.000Z', [
      staticMember(alex, '2019-05-21T09:35:00.000Z', sam),
    ]),
  ];

  // Membership of SSO Users comes from this rule, not from anyone adding Jane or Alex to it.
  const accessGroupRules: SimGroupRule[] = [
    rule(
      P,
      G.ssoUsers,
      'ClaimRule-1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a',
      'Acme employees',
      [{ claim: 'groups', operator: 'CONTAINS', value: '"acme-employees"' }],
      '2020-01-08T08:00:00.000Z',
    ),
  ];

  const policies: SimPolicy[] = [
    // Jane, production: 2 direct policies.
    policy(
      'c2f38495-a6b7-4c08-8d19-e3fa40b5c6d7',
      eq('iam_id', jane),
      P,
      [eq('serviceName', 'containers-kubernetes')],
      [role('Editor'), serviceRole('containers-kubernetes', 'Writer')],
      '2021-10-04T13:05:00.000Z',
    ),
    policy(
      'd3049506-b7c8-4d19-9e2a-f40b5c6d7e8f',
      eq('iam_id', jane),
      P,
      [eq('resourceType', 'resource-group'), eq('resource', '4f5e6d7c8b9a4012a3b4c5d6e7f80912')],
      [role('Viewer')],
      '2022-03-01T10:00:00.000Z',
    ),
    // Jane, staging: 1 direct policy.
    policy(
      'e415a617-c8d9-4e2a-8f3b-0b5c6d7e8f90',
      eq('iam_id', jane),
      S,
      [eq('serviceName', 'cloud-object-storage')],
      [role('Editor'), serviceRole('cloud-object-storage', 'Writer')],
      '2021-09-13T09:10:00.000Z',
    ),
    // Chris, staging: time-bound contractor access.
    policy(
      'f526b728-d9ea-4f3b-9a4c-1c6d7e8f9001',
      eq('iam_id', chris),
      S,
      [eq('resourceType', 'resource-group'), eq('resource', '5a6b7c8d9e0f4123b4c5d6e7f8091a2b')],
      [role('Viewer'), role('Operator')],
      '2024-11-18T10:40:00.000Z',
      {
        description: 'Contractor access for the Q1 migration',
        pattern: 'time-based-conditions:once',
        rule: {
          operator: 'and',
          conditions: [
            { key: '{{environment.attributes.current_date_time}}', operator: 'dateTimeGreaterThanOrEquals', value: '2024-11-18T00:00:00+00:00' },
            { key: '{{environment.attributes.current_date_time}}', operator: 'dateTimeLessThanOrEquals', value: '2025-05-31T23:59:59+00:00' },
          ],
        },
      },
    ),
    // Alex, both accounts: account management.
    policy(
      '07c8d9ea-fb0c-4d1e-8f2a-3b4c5d6e7f80',
      eq('iam_id', alex),
      P,
      [eq('serviceType', 'platform_service')],
      [role('Administrator')],
      '2019-05-21T09:40:00.000Z',
    ),
    policy(
      '18d9eafb-0c1d-4e2f-9a3b-4c5d6e7f8091',
      eq('iam_id', alex),
      S,
      [eq('serviceType', 'platform_service')],
      [role('Administrator')],
      '2019-05-21T09:41:00.000Z',
    ),
    // Jane's service ID, granted access by Alex: another team depends on it.
    policy(
      '5c1d2e3f-4a5b-4c6d-9e7f-8091a2b3c4d5',
      eq('iam_id', `iam-${SIM_NHI_IDS.ciPipeline}`),
      P,
      [eq('serviceName', 'codeengine')],
      [role('Editor'), serviceRole('codeengine', 'Writer')],
      '2024-02-01T09:05:00.000Z',
    ),
    // Access-group policies: not direct policies of any user.
    policy(
      '29eafb0c-1d2e-4f3a-8b4c-5d6e7f8091a2',
      eq('access_group_id', G.prodDevelopers),
      P,
      [eq('serviceName', 'codeengine')],
      [role('Editor'), serviceRole('codeengine', 'Writer')],
      '2019-06-01T10:10:00.000Z',
    ),
    policy(
      '3afb0c1d-2e3f-4a4b-9c5d-6e7f8091a2b3',
      eq('access_group_id', G.prodBilling),
      P,
      [eq('serviceName', 'billing')],
      [role('Viewer')],
      '2019-06-01T10:11:00.000Z',
    ),
    policy(
      '4b0c1d2e-3f4a-4b5c-8d6e-7f8091a2b3c4',
      eq('access_group_id', G.prodK8s),
      P,
      [eq('serviceName', 'containers-kubernetes')],
      [role('Operator'), serviceRole('containers-kubernetes', 'Manager')],
      '2020-03-12T09:05:00.000Z',
    ),
  ];

  return {
    accounts: [
      { id: P, name: 'Acme Production', owner_iam_id: sam },
      { id: S, name: 'Acme Staging', owner_iam_id: sam },
    ],
    users,
    apiKeys,
    serviceIds,
    profiles,
    profileIdentities,
    accessGroups,
    accessGroupRules,
    policies,
    resourceKeys,
    resourceInstances,
    userSignIns: {
      [jane]: '2025-01-14T08:30:00.000Z',
      [alex]: '2025-01-14T09:00:00.000Z',
      [sam]: '2024-06-01T10:00:00.000Z',
      [morgan]: '2025-01-10T15:00:00.000Z',
    },
    botIamId: alex,
  };
}

/**
 * The default world where `iamId` is also in Production's SSO Users group through its sign-in
 * rule: rule-based access that no API call removes, for the scenarios about residual access.
 */
export function seedWithSsoMembership(iamId: string = SIM_IAM_IDS.jane): IbmCloudSeed {
  const seed = defaultIbmSeed();
  const sso = seed.accessGroups.find((g) => g.id === G.ssoUsers)!;
  sso.members.push({ iam_id: iamId, type: 'user', membership_type: 'dynamic', created_at: '2025-01-13T08:02:11.000Z', created_by_id: SIM_IAM_IDS.sam });
  return seed;
}

/** VPC SSH keys of Acme's production account in us-south and eu-de, and the servers they initialised. */
export const SIM_VPC = {
  /** Jane's, by its comment only. */
  janeLaptop: 'r006-7a1c1b4e-0001-4f00-9a00-000000000001',
  /** Jane's, by its name. */
  janeDoeCi: 'r010-7a1c1b4e-0002-4f00-9a00-000000000002',
  /** The build team's: names no one. */
  deploy: 'r006-7a1c1b4e-0003-4f00-9a00-000000000003',
  /** Mary Jane-Doe's: near Jane's name, never hers. */
  mary: 'r006-7a1c1b4e-0004-4f00-9a00-000000000004',
  web1: '0717_web1-0000-4000-8000-000000000001',
  web2: '0717_web2-0000-4000-8000-000000000002',
  db1: '02b7_db1-0000-4000-8000-000000000003',
} as const;

/** The seed with VPC keys and servers in Acme's production account (the account the bot's key belongs to). */
export function withVpc(seed: IbmCloudSeed = defaultIbmSeed()): IbmCloudSeed {
  const key = (id: string, name: string, region: string, comment: string) => ({
    id,
    name,
    region,
    account_id: ACME_PRODUCTION,
    public_key: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${id.slice(-6)} ${comment}`.trim(),
    fingerprint: `SHA256:${Buffer.from(id).toString('base64').slice(0, 43)}`,
    type: 'ed25519' as const,
    created_at: '2025-03-01T09:00:00Z',
  });
  return {
    ...seed,
    vpcKeys: [
      key(SIM_VPC.janeLaptop, 'laptop-2024', 'us-south', JANE_EMAIL),
      key(SIM_VPC.deploy, 'ci-deploy', 'us-south', 'build@ci'),
      key(SIM_VPC.mary, 'mary-jane-laptop', 'us-south', 'mary@home'),
      key(SIM_VPC.janeDoeCi, 'jane-doe-ci', 'eu-de', ''),
    ],
    vpcInstances: [
      { id: SIM_VPC.web1, name: 'web-1', region: 'us-south', account_id: ACME_PRODUCTION, key_ids: [SIM_VPC.janeLaptop, SIM_VPC.deploy] },
      { id: SIM_VPC.web2, name: 'web-2', region: 'us-south', account_id: ACME_PRODUCTION, key_ids: [SIM_VPC.deploy] },
      { id: SIM_VPC.db1, name: 'db-1', region: 'eu-de', account_id: ACME_PRODUCTION, key_ids: [SIM_VPC.janeDoeCi, SIM_VPC.mary] },
    ],
  };
}
