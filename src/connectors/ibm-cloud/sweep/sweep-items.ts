import { canonicalJson, sha256Hex } from '../../../audit/audit-chain.js';
import type { OffboardRequest } from '../../../requests/request.js';
import { OPEN_STATUSES } from '../../../requests/request-store.js';
import type { IbmInactiveIdentity } from '../ibm-cloud-types.js';

/** What the digest says about an inactive person who already has an offboarding: not offered again. */
export interface OffboardingMark {
  requestId: string;
  state: 'open' | 'finished';
}

/** One line of an account's digest: an inactive identity, and what the sweep or an offboarding did about it. */
export interface SweepItem extends IbmInactiveIdentity {
  /** A user with an open or finished offboarding. */
  offboarding?: OffboardingMark;
  /** A key or service ID the sweep disabled, by whom (Enable gives it back). */
  disabledBy?: string;
}

/** What Disable and Enable apply to. */
export const DISABLEABLE: ReadonlySet<SweepItem['kind']> = new Set(['user-apikey', 'serviceid-apikey', 'serviceid']);

/** The order of a digest: people first (the Offboard button), then keys, service IDs and profiles. */
const KIND_ORDER: SweepItem['kind'][] = ['user', 'user-apikey', 'serviceid-apikey', 'serviceid', 'profile'];

/**
 * Each newest request about a person, by email (letter case aside): an open one (pending, approved,
 * disabled) or a completed one marks them; a rejected or reinstated one offers them again.
 */
export function offboardingsByEmail(requests: readonly OffboardRequest[]): Map<string, OffboardingMark> {
  const marks = new Map<string, OffboardingMark>();
  const newestFirst = [...requests].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  for (const r of newestFirst) {
    const email = r.subject.email.trim().toLowerCase();
    if (marks.has(email)) continue;
    if (OPEN_STATUSES.includes(r.status)) marks.set(email, { requestId: r.id, state: 'open' });
    else if (r.status === 'completed') marks.set(email, { requestId: r.id, state: 'finished' });
  }
  return marks;
}

/** The report's identities in digest order, each with its offboarding or the sweep's disable. */
export function sweepItems(
  identities: readonly IbmInactiveIdentity[],
  offboardings: ReadonlyMap<string, OffboardingMark>,
  disabled: ReadonlyMap<string, string>,
): SweepItem[] {
  const items = identities.map((i): SweepItem => {
    const mark = i.kind === 'user' && i.email ? offboardings.get(i.email.trim().toLowerCase()) : undefined;
    const by = DISABLEABLE.has(i.kind) ? disabled.get(targetKey(i.kind, i.id)) : undefined;
    return { ...i, ...(mark ? { offboarding: mark } : {}), ...(by ? { disabledBy: by } : {}) };
  });
  return items.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** What makes two digests the same: the identities, their last sign-ins and marks, in order. */
export function digestFingerprint(account: string, items: readonly SweepItem[]): string {
  return sha256Hex(canonicalJson({ account, items }));
}

/** A key or service ID as the sweep trail names it. */
export const targetKey = (kind: string, id: string) => `${kind}:${id}`;
