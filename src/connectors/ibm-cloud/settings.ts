import { z } from 'zod';
import { list, positiveInt, problemsOf, url } from '../../config/env-schema.js';

/**
 * IBM Cloud's variables. Names follow the IBM SDK's own external configuration
 * (USER_MANAGEMENT_URL etc.) so operators can reuse what they already export.
 */
const schema = z
  .object({
    IBMCLOUD_API_KEY: z.string().min(1),
    IBMCLOUD_ACCOUNT_IDS: z
      .string({ message: 'IBMCLOUD_ACCOUNT_IDS is required with IBMCLOUD_API_KEY: a comma list of IBM Cloud account ids' })
      .refine((v) => list(v).length > 0 && list(v).every((id) => /^[a-f0-9]{32}$/.test(id)), {
        message: 'IBMCLOUD_ACCOUNT_IDS must be a comma list of 32-character hex account ids',
      }),
    IBMCLOUD_IAM_URL: url('IBMCLOUD_IAM_URL').default('https://iam.cloud.ibm.com'),
    USER_MANAGEMENT_URL: url('USER_MANAGEMENT_URL').default('https://user-management.cloud.ibm.com'),
    IAM_IDENTITY_URL: url('IAM_IDENTITY_URL').default('https://iam.cloud.ibm.com'),
    IAM_ACCESS_GROUPS_URL: url('IAM_ACCESS_GROUPS_URL').default('https://iam.cloud.ibm.com'),
    IAM_POLICY_MANAGEMENT_URL: url('IAM_POLICY_MANAGEMENT_URL').default('https://iam.cloud.ibm.com'),
    ACCOUNT_MANAGEMENT_URL: url('ACCOUNT_MANAGEMENT_URL').default('https://accounts.cloud.ibm.com'),
    IBMCLOUD_TIMEOUT_MS: positiveInt(30_000),
    IBMCLOUD_MAX_RPS: z.coerce.number({ message: 'IBMCLOUD_MAX_RPS must be a number of requests per second' }).positive({ message: 'IBMCLOUD_MAX_RPS must be above 0' }).optional(),
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
    timeoutMs: e.IBMCLOUD_TIMEOUT_MS,
    /** Requests per second per account, shared by every worker; unset is unlimited. */
    ...(e.IBMCLOUD_MAX_RPS ? { maxRps: e.IBMCLOUD_MAX_RPS } : {}),
  }));

export type IbmCloudSettings = z.output<typeof schema>;

export function readIbmCloudSettings(env: Readonly<Record<string, string>>): IbmCloudSettings | { problems: string[] } {
  const parsed = schema.safeParse(env);
  return parsed.success ? parsed.data : { problems: problemsOf(parsed.error) };
}
