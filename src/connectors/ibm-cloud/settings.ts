import { z } from 'zod';
import { list, positiveInt, problemsOf, url } from '../../config/env-schema.js';
import { sweepVariables, type SweepSettings } from './sweep/sweep-settings.js';

/**
 * IBM Cloud's variables. Names follow the IBM SDK's own external configuration
 * (USER_MANAGEMENT_URL etc.) so operators can reuse what they already export.
 */
const schema = z
  .object({
    IBMCLOUD_API_KEY: z
      .string()
      .min(1)
      .describe(
        "Switches IBM Cloud on: an API key of a *user* (removing users needs a user's key, not a service ID's) who, in every account listed, can manage users (User Management: Administrator) and IAM (IAM Identity, IAM Access Groups and IAM policy management: Administrator or Editor), and can list service credentials and instances (Resource Controller); for Rotate for me, can also create service credentials on the instances whose credentials are handed over (Editor or higher on them)",
      ),
    IBMCLOUD_ACCOUNT_IDS: z
      .string({ message: 'IBMCLOUD_ACCOUNT_IDS is required with IBMCLOUD_API_KEY: a comma list of IBM Cloud account ids' })
      .refine((v) => list(v).length > 0 && list(v).every((id) => /^[a-f0-9]{32}$/.test(id)), {
        message: 'IBMCLOUD_ACCOUNT_IDS must be a comma list of 32-character hex account ids',
      })
      .describe('Comma list of 32-hex account ids to offboard from'),
    IBMCLOUD_IAM_URL: url('IBMCLOUD_IAM_URL')
      .default('https://iam.cloud.ibm.com')
      .describe('IAM token endpoint base (`/identity/token` is appended by the SDK)'),
    USER_MANAGEMENT_URL: url('USER_MANAGEMENT_URL').default('https://user-management.cloud.ibm.com').describe('User management service'),
    IAM_IDENTITY_URL: url('IAM_IDENTITY_URL').default('https://iam.cloud.ibm.com').describe('IAM identity (API keys)'),
    IAM_ACCESS_GROUPS_URL: url('IAM_ACCESS_GROUPS_URL').default('https://iam.cloud.ibm.com').describe('IAM access groups'),
    IAM_POLICY_MANAGEMENT_URL: url('IAM_POLICY_MANAGEMENT_URL').default('https://iam.cloud.ibm.com').describe('IAM policy management'),
    ACCOUNT_MANAGEMENT_URL: url('ACCOUNT_MANAGEMENT_URL').default('https://accounts.cloud.ibm.com').describe('Account management (who owns each account)'),
    RESOURCE_CONTROLLER_URL: url('RESOURCE_CONTROLLER_URL')
      .default('https://resource-controller.cloud.ibm.com')
      .describe(
        'Resource Controller (service credentials and instances, with who created them). It answers only for the account the API key belongs to: in the other accounts of IBMCLOUD_ACCOUNT_IDS the service-credentials step ends "not checked", with why (never green, never verified, not retried), and the round and the evidence say so',
      ),
    IBMCLOUD_TIMEOUT_MS: positiveInt(30_000).describe('Timeout of one IBM Cloud request'),
    IBMCLOUD_MAX_RPS: z.coerce
      .number({ message: 'IBMCLOUD_MAX_RPS must be a number of requests per second' })
      .positive({ message: 'IBMCLOUD_MAX_RPS must be above 0' })
      .optional()
      .meta({
        description:
          'Requests per second per IBM Cloud account, shared by every worker process through Redis. While an action waits for its turn, read-backs and re-scans take at most half of it. A call whose turn is more than 2 s away is not made: its job becomes a delayed job for when its turn comes, without spending an attempt (the checklist shows the step paused, with why). A 429 with Retry-After in an account moves its next turn out to then, for every worker',
        unset: 'unset (unlimited)',
      }),
    IBMCLOUD_VPC_REGIONS: z
      .string()
      .refine((v) => list(v).every((r) => /^[a-z]{2}-[a-z]+$/.test(r)), {
        message: 'IBMCLOUD_VPC_REGIONS must be a comma list of VPC regions, e.g. us-south,eu-de',
      })
      .optional()
      .meta({
        description:
          "VPC regions whose SSH keys are listed for review, with the servers each key was installed on (VPC answers for the account IBMCLOUD_API_KEY belongs to only: in the others both SSH-key steps end \"not checked\", never green); needs VPC Infrastructure Services: Editor (to delete the keys an approver says are the person's). IBM records no key's creator: an approver reviews them in the checklist, and each server the person's keys initialised becomes a task in the checklist (remove the key from root's authorized_keys), attested by an approver, from the disable phase on",
        unset: 'unset (SSH keys are not checked, and the checklist says so)',
      }),
    IBMCLOUD_VPC_URL: z
      .string()
      .default('https://{region}.iaas.cloud.ibm.com/v1')
      .refine((v) => v.includes('{region}') && url('IBMCLOUD_VPC_URL').safeParse(v.replaceAll('{region}', 'us-south')).success, {
        message: 'IBMCLOUD_VPC_URL must be an http(s) URL with {region} where the region goes',
      })
      .describe('The VPC API of each region, `{region}` replaced by each of IBMCLOUD_VPC_REGIONS'),
    ...sweepVariables,
  })
  .transform((e) => ({
    apiKey: e.IBMCLOUD_API_KEY,
    accountIds: list(e.IBMCLOUD_ACCOUNT_IDS),
    iamUrl: e.IBMCLOUD_IAM_URL,
    userManagementUrl: e.USER_MANAGEMENT_URL,
    iamIdentityUrl: e.IAM_IDENTITY_URL,
    accessGroupsUrl: e.IAM_ACCESS_GROUPS_URL,
    policyManagementUrl: e.IAM_POLICY_MANAGEMENT_URL,
    accountManagementUrl: e.ACCOUNT_MANAGEMENT_URL,
    resourceControllerUrl: e.RESOURCE_CONTROLLER_URL,
    timeoutMs: e.IBMCLOUD_TIMEOUT_MS,
    /** VPC's regional endpoints, one per region listed; none: SSH keys are not checked. */
    vpc: { regions: list(e.IBMCLOUD_VPC_REGIONS ?? ''), url: e.IBMCLOUD_VPC_URL },
    /** Requests per second per account, shared by every worker; unset is unlimited. */
    ...(e.IBMCLOUD_MAX_RPS ? { maxRps: e.IBMCLOUD_MAX_RPS } : {}),
    /** The inactive-identities sweep (src/connectors/ibm-cloud/sweep/). */
    sweep: {
      ...(e.OFFBOARD_SWEEP_CRON ? { cron: e.OFFBOARD_SWEEP_CRON.trim() } : {}),
      tz: e.OFFBOARD_SWEEP_TZ,
      inactiveDays: e.OFFBOARD_SWEEP_INACTIVE_DAYS,
      pollMs: e.OFFBOARD_SWEEP_POLL_MS,
    } satisfies SweepSettings,
  }));

/** IBM Cloud's variables as `npm run docs:config` documents them. */
export const ibmCloudVariables = schema.in;

export type IbmCloudSettings = z.output<typeof schema>;

export function readIbmCloudSettings(env: Readonly<Record<string, string>>): IbmCloudSettings | { problems: string[] } {
  const parsed = schema.safeParse(env);
  return parsed.success ? parsed.data : { problems: problemsOf(parsed.error) };
}
