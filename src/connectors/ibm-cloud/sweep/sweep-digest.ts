import { blocksText, context, cut, escapeText, MESSAGE_BLOCKS, MESSAGE_BLOCKS_TEXT, plain, section, slackDate, user } from '../../../slack/blocks/block-kit.js';
import { SWEEP_KIND_NAMES } from './sweep-csv.js';
import { SWEEP_ACTIONS } from './sweep-ids.js';
import { DISABLEABLE, type SweepItem } from './sweep-items.js';

/** What a digest button carries: the account and the identity (and a person's email, to find them in Slack). */
export interface SweepButtonValue {
  a: string;
  k: SweepItem['kind'];
  i: string;
  e?: string;
}

/** Rows with buttons in the digest itself; the rest go to its thread and its CSV. */
const MAX_ROWS = 40;
/** Room kept for the header and the closing line within Slack's text budget for a message's blocks. */
const ROWS_TEXT = MESSAGE_BLOCKS_TEXT - 1_500;
/** Outside names are cut: a digest row is one line. */
const NAME_MAX = 80;

const ICONS: Record<SweepItem['kind'], string> = {
  user: ':bust_in_silhouette:',
  'user-apikey': ':key:',
  'serviceid-apikey': ':key:',
  serviceid: ':robot_face:',
  profile: ':busts_in_silhouette:',
};

const name = (text: string) => escapeText(text.length > NAME_MAX ? `${cut(text, NAME_MAX)}…` : text);
const lastSeen = (iso: string | undefined) => (iso && !Number.isNaN(Date.parse(iso)) ? `last sign-in ${slackDate(iso)}` : 'no sign-in on record');

/** One identity as a line of text: what it is, whose, when it last signed in, and what was done about it. */
export function sweepLine(item: SweepItem): string {
  const parts = [`${ICONS[item.kind]} *${name(item.name)}*`];
  if (item.kind === 'user' && item.email) parts.push(name(item.email));
  else parts.push(SWEEP_KIND_NAMES[item.kind] + (item.owner ? ` of ${name(item.owner)}` : ''));
  parts.push(lastSeen(item.lastAuthn));
  if (item.offboarding) parts.push(`offboarding ${item.offboarding.state === 'open' ? 'under way' : 'done'} (${item.offboarding.requestId})`);
  if (item.disabledBy) parts.push(`disabled from this sweep by ${user(item.disabledBy)}`);
  return parts.join(' · ');
}

const button = (text: string, actionId: string, value: SweepButtonValue, style?: 'danger' | 'primary') => ({
  type: 'button' as const,
  text: plain(text),
  action_id: actionId,
  value: JSON.stringify(value),
  ...(style ? { style } : {}),
});

/** The button a row offers: Offboard a person not yet offboarded, Disable (or Enable) a key or service ID. */
function rowButton(account: string, item: SweepItem) {
  if (item.kind === 'user')
    return item.offboarding || !item.email ? undefined : button('Offboard', SWEEP_ACTIONS.offboard, { a: account, k: item.kind, i: item.id, e: item.email });
  if (!DISABLEABLE.has(item.kind)) return undefined;
  return item.disabledBy
    ? button('Enable', SWEEP_ACTIONS.enable, { a: account, k: item.kind, i: item.id })
    : button('Disable', SWEEP_ACTIONS.disable, { a: account, k: item.kind, i: item.id }, 'danger');
}

function counts(items: readonly SweepItem[]): string {
  const n = (kind: SweepItem['kind'], one: string, many: string) => {
    const c = items.filter((i) => i.kind === kind).length;
    return `${c} ${c === 1 ? one : many}`;
  };
  return [
    n('user', 'user', 'users'),
    n('user-apikey', 'user API key', 'user API keys'),
    n('serviceid-apikey', 'service ID API key', 'service ID API keys'),
    n('serviceid', 'service ID', 'service IDs'),
    n('profile', 'trusted profile', 'trusted profiles'),
  ].join(', ');
}

export interface SweepDigestInput {
  account: string;
  items: readonly SweepItem[];
  inactiveDays: number;
  /** When IAM's report ends (ISO). */
  reportEnd?: string;
}

/**
 * An account's digest: what is inactive, counted by kind, and the first identities with their
 * buttons. Within Slack's limits whatever the report holds: `shown` says how many rows it has; the
 * rest go to the thread (sweepOverflowReply) and the CSV.
 */
export function sweepDigestMessage({ account, items, inactiveDays, reportEnd }: SweepDigestInput) {
  const title = `Inactive identities in IBM Cloud account ${account}`;
  const when = reportEnd && !Number.isNaN(Date.parse(reportEnd)) ? ` (IAM's report of ${slackDate(reportEnd)})` : '';
  const head = section(`*${title}*: no sign-in for ${inactiveDays} days${when}.\n${items.length ? counts(items) : 'None: every identity signed in.'}`);
  const rows: (ReturnType<typeof section> & { block_id: string; accessory?: ReturnType<typeof button> })[] = [];
  let used = 0;
  for (const item of items) {
    if (rows.length >= Math.min(MAX_ROWS, MESSAGE_BLOCKS - 3)) break;
    const accessory = rowButton(account, item);
    const row = { ...section(sweepLine(item)), block_id: `sweep.${rows.length}`, ...(accessory ? { accessory } : {}) };
    const size = blocksText([row]);
    if (used + size > ROWS_TEXT) break;
    rows.push(row);
    used += size;
  }
  const left = items.length - rows.length;
  const closing = left
    ? [context(`${left} more ${left === 1 ? 'identity is' : 'identities are'} listed in the thread, and all ${items.length} in the attached CSV.`)]
    : [];
  const advice = items.length
    ? [
        context(
          '*Offboard* opens the request form for that person. *Disable* (approvers only) stops a key, or every key of a service ID, and can be undone with *Enable*.',
        ),
      ]
    : [];
  return { text: `${title}: ${items.length ? counts(items) : 'none'}`, blocks: [head, ...rows, ...closing, ...advice], shown: rows.length };
}

/** The identities the digest had no room for, as lines in its thread, within Slack's limits; the CSV has them all. */
export function sweepOverflowReply(account: string, rest: readonly SweepItem[]) {
  const blocks: ReturnType<typeof section>[] = [];
  let chunk: string[] = [];
  let total = 0;
  let listed = 0;
  const flush = () => {
    if (chunk.length) blocks.push(section(chunk.join('\n')));
    chunk = [];
  };
  for (const item of rest) {
    const line = sweepLine(item);
    if (total + line.length + 1 > MESSAGE_BLOCKS_TEXT - 500 || blocks.length >= MESSAGE_BLOCKS - 3) break;
    if (chunk.join('\n').length + line.length + 1 > 2_900) flush();
    if (blocks.length >= MESSAGE_BLOCKS - 3) break;
    chunk.push(line);
    total += line.length + 1;
    listed++;
  }
  flush();
  const left = rest.length - listed;
  const more = left ? [context(`… and ${left} more, in the attached CSV.`)] : [];
  return {
    text: `Inactive identities in account ${account}, continued: ${rest.length} more`,
    blocks: [...blocks, ...more, context(`To offboard someone listed here, use \`/offboard @person\`.`)],
  };
}

/** Said when a sweep finds what the last digest showed, at most once a week. */
export function sweepNothingNew(account: string) {
  return { text: `Nothing new among the inactive identities of IBM Cloud account ${account} since its last digest.` };
}

/** The outcome of Disable or Enable, in the digest's thread; a Disable offers Enable. */
export function sweepActionReply(r: {
  action: 'disabled' | 'enabled';
  actor: string;
  account: string;
  kind: SweepItem['kind'];
  id: string;
  name: string;
  keys: number;
}) {
  const what = `${SWEEP_KIND_NAMES[r.kind]} *${name(r.name)}*`;
  const changed = r.kind === 'serviceid' ? ` (${r.keys} API ${r.keys === 1 ? 'key' : 'keys'})` : '';
  const text =
    r.action === 'disabled'
      ? `:no_entry: ${what} disabled by ${user(r.actor)}${changed}: IAM confirms it no longer signs in.`
      : `:white_check_mark: ${what} enabled again by ${user(r.actor)}${changed}: IAM confirms it.`;
  const block = {
    ...section(text),
    ...(r.action === 'disabled' ? { accessory: button('Enable', SWEEP_ACTIONS.enable, { a: r.account, k: r.kind, i: r.id }) } : {}),
  };
  return { text: text.replace(/\*/g, ''), blocks: [block] };
}

/** An account's sweep that ended without a digest: why, and that the next sweep tries again. */
export function sweepFailed(account: string, reason: string) {
  return {
    text: `:warning: The inactive-identities sweep of IBM Cloud account ${account} failed: ${escapeText(cut(reason, 1_000))}. Nothing was posted for it; the next sweep tries again.`,
  };
}

/** A Disable or Enable that could not be done, in the digest's thread. */
export function sweepActionFailed(r: { action: 'disable' | 'enable'; kind: SweepItem['kind']; id: string; reason: string }) {
  return { text: `:warning: Could not ${r.action} ${SWEEP_KIND_NAMES[r.kind]} ${escapeText(cut(r.id, 200))}: ${escapeText(cut(r.reason, 1_000))}` };
}
