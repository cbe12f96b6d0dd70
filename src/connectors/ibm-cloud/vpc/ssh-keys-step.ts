import type { Change, Finding, StepCapabilities, StepContext } from '../../connector.js';
import { PermanentError } from '../../step-errors.js';
import type { IbmCloudClient } from '../ibm-cloud-client.js';
import type { VpcKey } from '../vpc-client.js';
import { keyLabel, mentions, serversOf, vpcListing, vpcUnavailable, type VpcListing } from './vpc-listing.js';
import type { VpcReview } from './vpc-review.js';
import { vpcServerLink } from '../console-links.js';

/** A finding's id: the region and the key's id, since deleting and reading a key back are regional calls. */
const findingId = (key: Pick<VpcKey, 'id' | 'region'>) => `${key.region}/${key.id}`;
const parseId = (id: string) => {
  const at = id.indexOf('/');
  return { region: id.slice(0, at), id: id.slice(at + 1) };
};

const names = (keys: VpcKey[]) => keys.map((k) => `${k.name} (${k.region})`).join(', ');

/** Why nothing is listed before an approver has reviewed the account's keys. */
function awaitingReview(listing: Extract<VpcListing, { answered: true }>, email: string): string {
  if (listing.keys.length === 0) return 'no SSH key in the regions checked';
  const suggested = listing.keys.filter((k) => mentions(k, email));
  return `awaiting an approver's review of ${listing.keys.length} SSH key(s) (IBM records no creator)${suggested.length ? `; named after them: ${names(suggested)}` : ''}`;
}

/**
 * VPC SSH keys an approver chose as the person's in the review modal, deleted at the delete phase
 * and read back. IBM records no creator, so nothing is listed, and nothing deleted, before that
 * review; a deletion that finds the account's keys unreviewed fails, saying so, until an approver
 * reviews and retries. Deleting a key does not remove it from the servers it was installed on:
 * the authorized-keys step lists those.
 */
export function sshKeysStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  const unavailable = vpcUnavailable(client, accountId);
  const notReviewed = () =>
    new PermanentError(
      `the SSH keys of account ${accountId} were not reviewed: IBM records no creator, so an approver says which are theirs with *Review SSH keys…* in the checklist, then retries this step`,
    );
  const reviewOf = (ctx: StepContext): Promise<VpcReview | undefined> => client.vpcReviews?.get(ctx.requestId, accountId) ?? Promise.resolve(undefined);
  const chosenStillListed = async (ctx: StepContext): Promise<{ listing: VpcListing; review?: VpcReview; found: Finding[] }> => {
    const [listing, review] = await Promise.all([vpcListing(client, accountId), reviewOf(ctx)]);
    if (!listing.answered || !review) return { listing, ...(review ? { review } : {}), found: [] };
    const found = listing.keys
      .filter((k) => review.chosen.some((c) => c.id === k.id && c.region === k.region))
      .map((k) => ({
        id: findingId(k),
        label: keyLabel(k),
        kind: 'VPC SSH key',
        detail: `chosen as theirs by approver ${review.by} on ${review.at}; installed on ${serversOf(k, listing.servers).length} server(s)${k.fingerprint ? `; ${k.fingerprint}` : ''}`,
        ...(k.createdAt ? { createdAt: k.createdAt } : {}),
      }));
    return { listing, review, found };
  };
  return {
    ...(unavailable ? { unavailable } : {}),
    async inventory(ctx) {
      const { listing, review, found } = await chosenStillListed(ctx);
      if (!listing.answered) return { found, unchecked: listing.why };
      // The deletion's look: nothing listed before the review is no finding that nothing is theirs.
      if (ctx.phase === 'delete' && !review && listing.keys.length) throw notReviewed();
      if (!review) return { found, note: awaitingReview(listing, ctx.person.email) };
      return found.length
        ? { found }
        : { found, note: review.chosen.length ? 'the keys chosen are gone' : `approver ${review.by} found none of the keys theirs` };
    },
    delete: {
      async *act(_ctx, found) {
        const vpc = client.vpcOf(accountId);
        if (!vpc) return;
        for (const item of found) {
          const { region, id } = parseId(item.id);
          const deleted = await vpc.deleteKey(region, id);
          yield {
            id: item.id,
            label: item.label,
            outcome: deleted ? 'removed' : 'already_absent',
            ...(deleted ? { detail: 'key resource deleted' } : {}),
          } satisfies Change;
        }
      },
      async readBack(ctx) {
        const { listing, review, found } = await chosenStillListed(ctx);
        if (listing.answered && !review && listing.keys.length) throw notReviewed();
        return { confirmed: found.length === 0, remaining: found };
      },
    },
  };
}

/**
 * Servers the person's keys were installed on (the keys an approver chose, or before the review
 * those named after them), each an entry of root's authorized_keys that deleting the key resource
 * leaves in place: one task per server and key, removed on the server by hand and attested by an
 * approver (the step declares `attestItems`). The disable phase goes by the names when nobody has
 * reviewed yet, so access through a server does not last the grace period; the deletion, like the
 * SSH keys step's, fails until an approver has reviewed, so its retry asks about every server of the
 * keys chosen (servers attested earlier stay attested).
 */
export function authorizedKeysStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  const unavailable = vpcUnavailable(client, accountId);
  return {
    ...(unavailable ? { unavailable } : {}),
    async inventory(ctx) {
      const [listing, review] = await Promise.all([vpcListing(client, accountId), client.vpcReviews?.get(ctx.requestId, accountId)]);
      if (!listing.answered) return { found: [], unchecked: listing.why };
      if (ctx.phase === 'delete' && !review && listing.keys.length) {
        throw new PermanentError(
          `the SSH keys of account ${accountId} were not reviewed: which servers hold theirs follows from the keys an approver says are theirs with *Review SSH keys…* in the checklist; then retry this step`,
        );
      }
      // A deleted key is no longer listed, but its servers still name it in their initialization.
      const keys: Pick<VpcKey, 'id' | 'region' | 'name'>[] = review ? review.chosen : listing.keys.filter((k) => mentions(k, ctx.person.email));
      const found: Finding[] = keys.flatMap((key) =>
        serversOf(key, listing.servers).map((server) => ({
          id: `${server.region}/${server.id}/${key.id}`,
          label: `SSH key ${key.name} on server ${server.name} (${server.region})`,
          kind: 'server with their SSH key',
          detail: `remove SSH key ${key.name} from root's authorized_keys on server ${server.name} (${server.region}): installed when the server was created, it stays there when the key resource is deleted${review ? '' : " (the key is named after them; no approver has reviewed the account's keys yet)"}`,
          link: vpcServerLink(accountId, server.region, server.id),
        })),
      );
      return found.length
        ? { found }
        : { found, note: review ? 'the keys chosen initialised no server' : 'no server was initialised with a key named after them' };
    },
  };
}
