import { ACME_PRODUCTION, ACME_STAGING, defaultIbmSeed } from '../../src/simulators/ibm-cloud/index.js';
import type { IbmCloudSeed } from '../../src/simulators/ibm-cloud/index.js';
import type { SimSlackUser } from '../../src/simulators/slack/index.js';

export interface CrowdPerson {
  slackUserId: string;
  email: string;
  iamId: string;
  name: string;
}

const pad = (i: number) => String(i).padStart(5, '0');
const uuid = (kind: number, i: number, account: number) => `${kind}${account}${pad(i)}aa-0000-4000-8000-${pad(i).padStart(12, '0')}`;

/** The i-th of many people leaving at once: in Slack, and in both of Acme's IBM Cloud accounts. */
export function crowdPerson(i: number): CrowdPerson {
  return { slackUserId: `U1CROWD${pad(i)}`, email: `leaver.${pad(i)}@acme.example`, iamId: `IBMid-77${pad(i)}XY`, name: `Leaver ${pad(i)}` };
}

export function crowdSlackUsers(n: number): SimSlackUser[] {
  return Array.from({ length: n }, (_, i) => {
    const p = crowdPerson(i);
    return { id: p.slackUserId, name: `leaver${pad(i)}`, realName: p.name, email: p.email };
  });
}

/**
 * Acme's default world plus `n` people who each hold, in both accounts, a membership, an API key,
 * a static access-group membership and a direct policy: what many offboardings at once revoke.
 */
export function crowdIbmSeed(n: number): IbmCloudSeed {
  const seed = defaultIbmSeed();
  const at = '2024-01-02T03:04:05.000Z';
  [ACME_PRODUCTION, ACME_STAGING].forEach((account, a) => {
    const groupId = `AccessGroupId-${uuid(9, 0, a)}`;
    seed.accessGroups.push({
      id: groupId,
      name: 'Crowd',
      account_id: account,
      created_at: at,
      created_by_id: seed.botIamId,
      last_modified_at: at,
      last_modified_by_id: seed.botIamId,
      is_federated: false,
      members: [],
    });
    const group = seed.accessGroups.at(-1)!;
    for (let i = 0; i < n; i++) {
      const p = crowdPerson(i);
      const [firstname, lastname] = p.name.split(' ') as [string, string];
      seed.users.push({
        id: uuid(1, i, a).replace(/-/g, ''),
        iam_id: p.iamId,
        realm: 'IBMid',
        user_id: p.email,
        firstname,
        lastname,
        state: 'ACTIVE',
        email: p.email,
        account_id: account,
        added_on: at,
      });
      const keyId = `ApiKey-${uuid(2, i, a)}`;
      seed.apiKeys.push({
        id: keyId,
        entity_tag: '1-a',
        crn: `crn:v1:bluemix:public:iam-identity::a/${account}::apikey:${keyId}`,
        name: `${p.email} key`,
        iam_id: p.iamId,
        account_id: account,
        locked: false,
        disabled: false,
        created_at: at,
        created_by: p.iamId,
        modified_at: at,
      });
      group.members.push({ iam_id: p.iamId, type: 'user', membership_type: 'static', created_at: at, created_by_id: seed.botIamId });
      seed.policies.push({
        id: uuid(3, i, a),
        type: 'access',
        subject: { attributes: [{ key: 'iam_id', operator: 'stringEquals', value: p.iamId }] },
        control: { grant: { roles: [{ role_id: 'crn:v1:bluemix:public:iam::::role:Viewer' }] } },
        resource: { attributes: [{ key: 'accountId', operator: 'stringEquals', value: account }] },
        created_at: at,
        created_by_id: seed.botIamId,
        last_modified_at: at,
        last_modified_by_id: seed.botIamId,
        state: 'active',
      });
    }
  });
  return seed;
}
