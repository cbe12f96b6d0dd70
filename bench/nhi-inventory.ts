/**
 * What the inventory of what people created costs in IBM calls, measured on the code the runs use:
 * the IBM Cloud system's steps for what a person created (`createdByPerson` in its `steps`: the keys
 * of service IDs they created, those service IDs, the credentials and instances, the keys on
 * others' service IDs and the profiles), each connected and inventoried as a step job does it
 * (src/runs/step-job.ts), for BENCH_PEOPLE people (default 100) all at once, through one client as
 * one worker process holds it. The account holds BENCH_RESOURCE_KEYS service credentials (default
 * 5,000), BENCH_SERVICE_IDS service IDs (default 1,000, each with an API key) and 1,000 service
 * instances. Each person created 2 service IDs, a key on someone else's service ID, 2 service
 * credentials and an instance; everything else is Alex's. The simulated IBM Cloud answers each call
 * after 20 ms.
 *
 *   npm run bench:nhi
 *   BENCH_PEOPLE=20 BENCH_RESOURCE_KEYS=500 npm run bench:nhi
 *
 * It prints the calls by kind: account-wide listing pages (what sharing saves: without it, every
 * step of every person would read every page it needs), the single reads of last use (only for
 * what is attributed), and the policy reads (only for attributed service IDs), and checks every
 * person's steps found exactly theirs.
 */
import type { StepContext } from '../src/connectors/connector.js';
import { stepId } from '../src/connectors/step-ref.js';
import { ibmCloud } from '../src/connectors/ibm-cloud/system.js';
import { IbmCloudClient } from '../src/connectors/ibm-cloud/ibm-cloud-client.js';
import {
  ACME_PRODUCTION,
  SIM_BOT_API_KEY,
  SIM_IAM_IDS,
  defaultIbmSeed,
  startIbmCloudSimulator,
  type IbmCloudSeed,
  type RecordedRequest,
} from '../src/simulators/ibm-cloud/index.js';

const people = Number(process.env.BENCH_PEOPLE ?? 100);
const resourceKeyCount = Number(process.env.BENCH_RESOURCE_KEYS ?? 5000);
const serviceIdCount = Number(process.env.BENCH_SERVICE_IDS ?? 1000);
const instanceCount = 1000;
const LATENCY_MS = 20;
const A = ACME_PRODUCTION;
const at = '2024-01-02T03:04:05.000Z';
const pad = (i: number) => String(i).padStart(6, '0');
const person = (i: number) => `IBMid-88${pad(i)}NH`;
const { alex } = SIM_IAM_IDS;

/** Service ID j is person j/2's for the first 2 × people, Alex's after; person i made a key on Alex's service ID (2 × people + i). */
function benchSeed(): IbmCloudSeed {
  const seed = defaultIbmSeed();
  // Only this world: the default seed's own identities stay out of the counts.
  seed.serviceIds = [];
  seed.apiKeys = [];
  seed.resourceKeys = [];
  seed.resourceInstances = [];
  for (let j = 0; j < serviceIdCount; j++) {
    const id = `ServiceId-bench-${pad(j)}`;
    const by = j < 2 * people ? person(Math.floor(j / 2)) : alex;
    seed.serviceIds.push({
      id,
      iam_id: `iam-${id}`,
      entity_tag: '1-x',
      crn: `crn:v1:bluemix:public:iam-identity::a/${A}::serviceid:${id}`,
      locked: false,
      created_at: at,
      modified_at: at,
      account_id: A,
      name: `service-${pad(j)}`,
      history: [{ timestamp: at, iam_id: by, iam_id_account: A, action: 'create', params: [], message: 'Created' }],
    });
    const key = (k: string, createdBy: string) => ({
      id: `ApiKey-bench-${k}`,
      entity_tag: '1-x',
      crn: `crn:v1:bluemix:public:iam-identity::a/${A}::apikey:ApiKey-bench-${k}`,
      name: `key-${k}`,
      iam_id: `iam-${id}`,
      account_id: A,
      locked: false,
      disabled: false,
      created_at: at,
      created_by: createdBy,
      modified_at: at,
      activity: { last_authn: at, authn_count: j },
    });
    seed.apiKeys.push(key(pad(j), by));
    if (j >= 2 * people && j < 3 * people) seed.apiKeys.push(key(`${pad(j)}-by-person`, person(j - 2 * people)));
  }
  for (let j = 0; j < instanceCount; j++) {
    const guid = `bench-instance-${pad(j)}`;
    const crn = `crn:v1:bluemix:public:cloud-object-storage:global:a/${A}:${guid}::`;
    seed.resourceInstances.push({
      id: crn,
      guid,
      crn,
      url: `/v2/resource_instances/${guid}`,
      name: `instance-${pad(j)}`,
      account_id: A,
      region_id: 'global',
      resource_group_id: 'rg',
      resource_id: 'cloud-object-storage',
      resource_plan_id: 'standard',
      type: 'service_instance',
      state: 'active',
      created_at: at,
      updated_at: at,
      created_by: j < people ? person(j) : alex,
      updated_by: alex,
      resource_keys_url: `/v2/resource_instances/${guid}/resource_keys`,
    });
  }
  for (let j = 0; j < resourceKeyCount; j++) {
    const instance = seed.resourceInstances[j % instanceCount]!;
    const guid = `bench-key-${pad(j)}`;
    const crn = `${instance.crn.slice(0, -1)}resource-key:${guid}`;
    seed.resourceKeys.push({
      id: crn,
      guid,
      crn,
      url: `/v2/resource_keys/${guid}`,
      name: `credential-${pad(j)}`,
      account_id: A,
      resource_group_id: 'rg',
      resource_id: instance.resource_id,
      source_crn: instance.crn,
      resource_instance_url: instance.url,
      state: 'active',
      iam_compatible: true,
      created_at: at,
      updated_at: at,
      created_by: j < 2 * people ? person(Math.floor(j / 2)) : alex,
      updated_by: alex,
      credentials: { apikey: `sim-secret-${guid}` },
    });
  }
  return seed;
}

const sim = await startIbmCloudSimulator({ seed: benchSeed(), latencyMs: LATENCY_MS });
const client = new IbmCloudClient({
  apiKey: SIM_BOT_API_KEY,
  accountIds: [A],
  iamUrl: sim.url,
  userManagementUrl: sim.url,
  iamIdentityUrl: sim.url,
  accessGroupsUrl: sim.url,
  policyManagementUrl: sim.url,
  accountManagementUrl: sim.url,
  resourceControllerUrl: sim.url,
  timeoutMs: 30_000,
  vpc: { regions: [], url: `${sim.url}/vpc/{region}/v1` },
});

// The steps a round runs for what a person created, as the system module lists them.
const steps = ibmCloud.steps.filter((s) => s.createdByPerson);
const requestId = (i: number) => `bench-request-${pad(i)}`;
/** A step's context as src/runs/step-job.ts builds it for the disable phase of round 1, the request handing everything over. */
const contextOf = (i: number, step: string): StepContext => {
  const id = stepId({ system: ibmCloud.id, scope: A, step });
  return {
    requestId: requestId(i),
    scope: A,
    person: { requestId: requestId(i), slackUserId: `U${pad(i)}`, email: `person-${pad(i)}@example.com` },
    identities: [{ scope: A, id: person(i), label: `Person ${i} <person-${pad(i)}@example.com>`, detail: 'realm IBMid, state ACTIVE' }],
    transactionId: `offboard-${requestId(i)}-${step}-a1`,
    asker: `${requestId(i)}:${id}:r1:c0`,
    created: { choice: 'hand_over', successor: 'Alex' },
    phase: 'disable',
  };
};

const started = Date.now();
// Every step job connects its step anew (`capabilities` in src/runs/step-job.ts), through the worker's one client.
const inventories = await Promise.all(
  Array.from({ length: people }, (_, i) =>
    Promise.all(steps.map(async (s) => ({ step: s.step, inventory: await s.connect(client, A).inventory(contextOf(i, s.step)) }))),
  ),
);
const elapsedMs = Date.now() - started;

/** What each step must find for each person: their 2 service IDs' keys, the 2 service IDs, 2 credentials and an instance, and their key on someone else's service ID. */
const expected: Record<string, number> = {
  'service-id-keys': 2,
  'service-ids': 2,
  'created-credentials': 3,
  'created-keys-and-profiles': 1,
};
const wrong = inventories.filter((ofPerson) =>
  ofPerson.some(({ step, inventory }) => inventory.unchecked !== undefined || inventory.found.length !== expected[step]),
).length;

const calls = sim.requests.filter((r) => r.path !== '/identity/token');
const kinds: [string, (r: RecordedRequest) => boolean, number][] = [
  ['service IDs (list)', (r) => r.path === '/v1/serviceids', serviceIdCount],
  // One listing of every key of the account (users' and service IDs'); this world holds service IDs' keys only.
  ['API keys (list)', (r) => r.path === '/v1/apikeys', serviceIdCount + people],
  ['trusted profiles (list)', (r) => r.path === '/v1/profiles', 0],
  ['service credentials (list)', (r) => r.path === '/v2/resource_keys', resourceKeyCount],
  ['service instances (list)', (r) => r.path === '/v2/resource_instances', instanceCount],
  ["the bot key's account", (r) => r.path === '/v1/apikeys/details', 0],
  ['last use: API keys (single reads)', (r) => /^\/v1\/apikeys\/ApiKey-/.test(r.path), 0],
  ['last use: service IDs (single reads)', (r) => /^\/v1\/serviceids\/.+/.test(r.path), 0],
  ['policies of attributed service IDs', (r) => r.path === '/v2/policies', 0],
];
const rows = kinds.map(([kind, match, items]) => {
  const n = calls.filter(match).length;
  const pages = items > 0 ? Math.max(1, Math.ceil(items / 100)) : 1;
  return { kind, calls: n, ...(items > 0 ? { 'items listed': items, 'pages in one listing': pages, 'one pass per person': pages * people } : {}) };
});
console.table(rows);
const listingCalls = rows.filter((r) => 'items listed' in r).reduce((n, r) => n + r.calls, 0);
const onePass = rows.filter((r) => 'items listed' in r).reduce((n, r) => n + (r['pages in one listing'] ?? 0), 0);
const profilePages = rows.find((r) => r.kind === 'trusted profiles (list)')!.calls;
console.log(
  `summary: ${people} people, ${calls.length} IBM calls (${(calls.length / people).toFixed(1)} per person) in ${(elapsedMs / 1000).toFixed(1)} s; ` +
    `account-wide listings ${listingCalls} page calls = ${(listingCalls / onePass).toFixed(2)}× one pass of the account (${onePass} pages; one pass per person would be ${onePass * people}), ` +
    `trusted profiles ${profilePages} page call(s); ${wrong} people with a wrong inventory. Target: each account listed once per round.`,
);
await sim.close();
