import type { KnownBlock } from '@slack/web-api';
import { context, cut, escapeText, plain, section } from '../../../slack/blocks/block-kit.js';
import { featureActionId } from '../../system-feature.js';
import type { VpcKey } from '../vpc-client.js';

/** The IBM Cloud system's id, and the feature's names: its button, modal and job. */
export const VPC_REVIEW = {
  system: 'ibm-cloud',
  feature: 'vpc',
  button: 'review',
  modal: 'review',
  job: 'vpc-review-list',
  /** The step that waits for the review (see steps.ts). */
  step: 'vpc-ssh-keys',
} as const;
export const VPC_REVIEW_ID = featureActionId(VPC_REVIEW.system, VPC_REVIEW.feature, VPC_REVIEW.modal);

/** Slack takes 10 options per checkboxes element, 100 blocks per modal: 90 blocks of 10 keys. */
const PER_BLOCK = 10;
const MAX_BLOCKS = 90;
export const KEY_BLOCK = 'vpc-keys';
export const KEY_ACTION = 'chosen';

/** An option's value: the region, the key's id and its name (kept with the review), within Slack's 150 characters. */
export const optionValue = (k: Pick<VpcKey, 'region' | 'id' | 'name'>) => cut(`${k.region}|${k.id}|${k.name}`, 150);

export interface ReviewedKey {
  key: VpcKey;
  servers: number;
}

/** `private_metadata`: the request and the account; it authorises nothing (the submission asks who an approver is again). */
export const reviewMetadata = (requestId: string, accountId: string) => JSON.stringify({ requestId, accountId });

/** While the keys are listed (a job calls IBM Cloud; the click only opens this). */
export function vpcReviewLoadingView(accountId: string) {
  return {
    type: 'modal' as const,
    title: plain('Review SSH keys'),
    close: plain('Close'),
    blocks: [section(`:hourglass_flowing_sand: Listing the VPC SSH keys of account \`${escapeText(accountId)}\`…`)],
  };
}

/**
 * Every SSH key of the account's regions, those the person's name or comment mentions (or an
 * earlier review chose) ticked: an approver says which are theirs, to be deleted at the delete phase.
 */
export function vpcReviewModal(args: {
  requestId: string;
  accountId: string;
  person: string;
  email: string;
  keys: ReviewedKey[];
  selected: ReadonlySet<string>;
}) {
  const { keys, selected } = args;
  const shown = keys.slice(0, PER_BLOCK * MAX_BLOCKS);
  const blocks: KnownBlock[] = [
    section(
      `IBM Cloud records no creator for an SSH key. Tick the keys of account \`${escapeText(args.accountId)}\` that are *${escapeText(args.person)}*'s (${escapeText(args.email)}): they are deleted at the delete phase and read back. Keys whose name or comment mentions them are ticked already.`,
    ),
    context('Deleting a key does not remove it from the servers it was installed on: each such server is listed in the checklist, to be cleaned by hand.'),
  ];
  for (let i = 0; i < shown.length; i += PER_BLOCK) {
    const options = shown.slice(i, i + PER_BLOCK).map(({ key, servers }) => ({
      text: plain(cut(`${key.name} (${key.region})`, 75)),
      description: plain(cut(`${key.comment ? `${key.comment}; ` : ''}on ${servers} server(s)`, 75)),
      value: optionValue(key),
    }));
    const initial = options.filter((o) => selected.has(o.value));
    blocks.push({
      type: 'input' as const,
      block_id: `${KEY_BLOCK}.${i / PER_BLOCK}`,
      optional: true,
      label: plain(i === 0 ? 'Their keys' : `Their keys (${i + 1}–${i + options.length})`),
      element: { type: 'checkboxes' as const, action_id: KEY_ACTION, options, ...(initial.length ? { initial_options: initial } : {}) },
    });
  }
  if (keys.length > shown.length) blocks.push(context(`…and ${keys.length - shown.length} more keys this form cannot hold: delete those by hand.`));
  if (keys.length === 0) blocks.push(section('There is no SSH key in the regions checked. Submitting records that none is theirs.'));
  return {
    type: 'modal' as const,
    callback_id: VPC_REVIEW_ID,
    private_metadata: reviewMetadata(args.requestId, args.accountId),
    title: plain('Review SSH keys'),
    submit: plain('Record'),
    close: plain('Cancel'),
    blocks,
  };
}

/** The keys ticked in a submitted review: each option's value read back into its region, id and name. */
export function readChosenKeys(values: unknown): { region: string; id: string; name: string }[] {
  const chosen: { region: string; id: string; name: string }[] = [];
  for (const [block, actions] of Object.entries((values ?? {}) as Record<string, Record<string, { selected_options?: { value?: string }[] }>>)) {
    if (!block.startsWith(`${KEY_BLOCK}.`)) continue;
    for (const option of actions[KEY_ACTION]?.selected_options ?? []) {
      const [region, id, ...name] = (option.value ?? '').split('|');
      if (region && id) chosen.push({ region, id, name: name.join('|') || id });
    }
  }
  return chosen;
}
