import type { SimSlackUser } from '../../src/simulators/slack/index.js';

/** The simulated Slack workspace of Acme, matching the people in the IBM Cloud seed. */
export const PEOPLE = {
  morgan: 'U0MORGAN1', // manager who requests; also an approver
  jane: 'U0JANE001', // leaving
  alex: 'U0ALEX001', // IT approver and workspace admin; the bot's IBM Cloud API key and Slack admin token are his
  riley: 'U0RILEY01', // IT approver
  taylor: 'U0TAYLOR1', // takes over Jane's resources; not an approver
  chris: 'U0CHRIS01', // contractor; not an approver
  sam: 'U0SAM0001', // owns both IBM Cloud accounts
  pat: 'U0PAT0001', // in Slack as pat@acme.example, in IBM Cloud under another email
  dana: 'U0DANA001', // Slack workspace admin; not an approver
  deployBot: 'U0DEPLOY1',
  gone: 'U0GONE001',
  noEmail: 'U0NOMAIL1',
} as const;

export const APPROVAL_CHANNEL = 'C0APPROVAL';
export const GENERAL_CHANNEL = 'C0GENERAL';
export const APPROVERS_GROUP = 'S0ITAPPROV';

export const WORKSPACE_USERS: SimSlackUser[] = [
  { id: PEOPLE.morgan, name: 'morgan', realName: 'Morgan Manager', email: 'morgan.manager@acme.example' },
  { id: PEOPLE.jane, name: 'jane', realName: 'Jane Doe', email: 'jane.doe@acme.example' },
  { id: PEOPLE.alex, name: 'alex', realName: 'Alex Admin', email: 'alex.admin@acme.example', isAdmin: true },
  { id: PEOPLE.riley, name: 'riley', realName: 'Riley Ito', email: 'riley.ito@acme.example' },
  { id: PEOPLE.taylor, name: 'taylor', realName: 'Taylor Successor', email: 'taylor.successor@acme.example' },
  { id: PEOPLE.chris, name: 'chris', realName: 'Chris Contractor', email: 'chris.contractor@acme.example' },
  { id: PEOPLE.sam, name: 'sam', realName: 'Sam Owner', email: 'sam.owner@acme.example' },
  { id: PEOPLE.pat, name: 'pat', realName: 'Pat Elsewhere', email: 'pat@acme.example' },
  { id: PEOPLE.dana, name: 'dana', realName: 'Dana Admin', email: 'dana.admin@acme.example', isAdmin: true },
  { id: PEOPLE.deployBot, name: 'deploybot', realName: 'Deploy Bot', isBot: true },
  { id: PEOPLE.gone, name: 'gone', realName: 'Gene Gone', email: 'gene.gone@acme.example', deleted: true },
  { id: PEOPLE.noEmail, name: 'nomail', realName: 'Nomi Mail' },
];

/** Offboarding an approver takes two approvers: Jane, the usual leaver of the tests and the demo, is none. */
/** Facilities: who disables door badges; they attest the demo's door-badge task. */
export const FACILITIES_GROUP = 'S0FACILITY';
export const WORKSPACE_GROUPS = { [APPROVERS_GROUP]: [PEOPLE.alex, PEOPLE.riley, PEOPLE.morgan], [FACILITIES_GROUP]: [PEOPLE.taylor] };
