/**
 * Where a person manages an item in the IBM Cloud console, in the account it lives in
 * (`bss_account` picks the account for someone who belongs to several).
 */
const CONSOLE = 'https://cloud.ibm.com';

const inAccount = (path: string, accountId: string) => `${CONSOLE}${path}?bss_account=${encodeURIComponent(accountId)}`;

/** A service ID's page, which lists its API keys. */
export const serviceIdLink = (accountId: string, serviceId: string) => inAccount(`/iam/serviceids/${encodeURIComponent(serviceId)}`, accountId);

/** A trusted profile's page. */
export const trustedProfileLink = (accountId: string, profileId: string) => inAccount(`/iam/trusted-profiles/${encodeURIComponent(profileId)}`, accountId);

/**
 * A CRN as one path segment. Colons are legal in a path and stay; the `/` of `a/<account>` is
 * escaped in lower case (`%2f`, the same octet): `%2F` followed by the hex account id reads as a
 * random token to the secret masks every message passes through (src/redact.ts), which would mask the link.
 */
const crnSegment = (crn: string) => encodeURIComponent(crn).replace(/%3A/g, ':').replace(/%2F/g, '%2f');

/** A service instance's page (its service credentials are on it), by its CRN; the resource list without one. */
export const resourceLink = (accountId: string, crn: string | undefined) =>
  crn ? inAccount(`/services/${encodeURIComponent(crn.split(':')[4] ?? 'resource')}/${crnSegment(crn)}`, accountId) : inAccount('/resources', accountId);

/** A VPC virtual server's page, in its region. */
export const vpcServerLink = (accountId: string, region: string, serverId: string) =>
  inAccount(`/vpc-ext/compute/vs/${encodeURIComponent(region)}~${encodeURIComponent(serverId)}/overview`, accountId);

/** The account's service IDs, for a key whose service ID is known only by its IAM id. */
export const serviceIdsLink = (accountId: string) => inAccount('/iam/serviceids', accountId);
