import type { RespondFn } from '@slack/bolt';
import { REQUEST_ID } from '../src/requests/request.js';
import { OPEN_STATUSES } from '../src/requests/request-store.js';
import { mayView } from '../src/requests/request-visibility.js';
import { escapeText } from '../src/slack/blocks/block-kit.js';
import { COMMAND } from '../src/slack/blocks/ids.js';
import { HELP, requestListReply, requestStatusReply } from '../src/slack/blocks/request-replies.js';
import type { CommandDeps } from './deps.js';
import { readViewer } from './viewer.js';

/** `/offboard list` looks this far back; open requests among them are listed whatever their age. */
const LIST_WINDOW = 500;
const RECENT_MS = 30 * 24 * 3600 * 1000;
const MENTION = /^<@([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>$/;
/** As typed, or as Slack escapes it in a command (`<mailto:jane@acme.com|jane@acme.com>`). */
const EMAIL = /^(?:<mailto:)?([^\s@<>|]+@[^\s@<>|]+?)(?:\|[^>]*>)?$/;

type Reply = Parameters<RespondFn>[0];
const ephemeral = (reply: { text: string; blocks?: unknown[] }): Reply => ({ response_type: 'ephemeral', ...reply }) as Reply;

/**
 * `/offboard status <OFF-… | @person | email>`: where requests stand, answered privately through
 * the command's own response (it works in any channel and in direct messages), only with what the
 * caller may see (see mayView). A request they may not see is answered as one that does not exist.
 */
export async function statusCommand(deps: CommandDeps, userId: string, arg: string, respond: RespondFn): Promise<void> {
  const viewer = await readViewer(deps, userId);
  const id = arg.toUpperCase();
  if (REQUEST_ID.test(id)) {
    const request = await deps.store.get(id);
    if (!request || !mayView(viewer, request)) return void (await respond(ephemeral({ text: `There is no offboarding request ${id} that you may see.` })));
    return void (await respond(ephemeral(requestStatusReply(request))));
  }
  const mention = MENTION.exec(arg)?.[1];
  if (mention === userId) return void (await respond(ephemeral({ text: 'Nobody is shown requests about themselves.' })));
  const email = mention ? undefined : EMAIL.exec(arg)?.[1];
  if (!mention && !email) {
    return void (await respond(ephemeral({ text: `Name a request, a person or an email, e.g. \`${COMMAND} status OFF-7K3QX0\`.\n${HELP}` })));
  }
  // A request filed by email about someone is about them too: their email is asked of Slack (a listing without it still shows those by id).
  const mentionedEmail = mention ? (await deps.directory.person(mention).catch(() => undefined))?.email : undefined;
  const about = mention ? (await deps.store.about({ slackUserId: mention, email: mentionedEmail })).requests : await deps.store.withSubjectEmail(email!);
  const visible = about.filter((r) => mayView(viewer, r));
  const who = mention ? `<@${mention}>` : escapeText(email!);
  await respond(ephemeral(requestListReply(`Requests about ${who} that you may see`, visible, '_None._')));
}

/** `/offboard list`: open requests and those of the last 30 days, as the caller may see them, newest first. */
export async function listCommand(deps: CommandDeps, userId: string, respond: RespondFn): Promise<void> {
  const [viewer, { requests, unreadable }] = await Promise.all([readViewer(deps, userId), deps.store.recentReadable(LIST_WINDOW)]);
  if (unreadable.length) deps.logger.error({ requestIds: unreadable }, 'requests that no longer read back were left out of /offboard list');
  const since = deps.now().getTime() - RECENT_MS;
  const listed = requests.filter((r) => mayView(viewer, r) && (OPEN_STATUSES.includes(r.status) || Date.parse(r.createdAt) >= since));
  const title = viewer.isApprover || viewer.isCompliance ? 'Open and recent offboarding requests' : 'Your open and recent requests';
  await respond(ephemeral(requestListReply(title, listed, '_None._')));
}
