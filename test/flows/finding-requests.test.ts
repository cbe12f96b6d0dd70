import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { SlackPlayer } from '../../app/demo/slack-player.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { COMMAND } from '../../src/slack/blocks/ids.js';
import { useStack } from '../support/stack.js';

const start = useStack();
/** Taylor is in compliance and no approver; Chris is neither; Alex and Riley are approvers (Riley is being offboarded). */
const ROLES = { OFFBOARD_COMPLIANCE: PEOPLE.taylor };

/** Types `/offboard <text>` as `userId` in `channelId` and returns what the bot answered them privately, through the command's response. */
async function command(stack: LocalStack, userId: string, text: string, channelId = GENERAL_CHANNEL): Promise<string> {
  const before = stack.slack.responses.length;
  const res = await stack.events.slashCommand({ command: COMMAND, text, userId, channelId });
  expect(res.status).toBe(200);
  expect(res.refused).toBeUndefined();
  await stack.bot.settled();
  const replies = stack.slack.responses.slice(before);
  expect(replies).toHaveLength(1);
  expect(replies[0]!.body).toMatchObject({ response_type: 'ephemeral' });
  return JSON.stringify(replies[0]!.body);
}

/** Jane's request by Morgan, Pat's by Chris, and Riley's own offboarding by Morgan. */
async function threeRequests(player: SlackPlayer) {
  const janes = await player.request(
    PEOPLE.morgan,
    { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-JANE <!channel>' },
    { awaitPreview: false },
  );
  const pats = await player.request(
    PEOPLE.chris,
    { person: PEOPLE.pat, reason: 'role_change', successor: PEOPLE.taylor, ticket: 'HR-PAT' },
    { awaitPreview: false },
  );
  const rileys = await player.request(
    PEOPLE.morgan,
    { person: PEOPLE.riley, reason: 'termination', successor: PEOPLE.taylor, ticket: 'HR-RILEY' },
    { awaitPreview: false },
  );
  return { janes, pats, rileys };
}

describe('/offboard list', () => {
  it('shows approvers and compliance every request, and anyone else, an approver being offboarded among them, only their own requests', async () => {
    const { stack, player } = await start({ env: ROLES });
    const { janes, pats, rileys } = await threeRequests(player);

    const alex = await command(stack, PEOPLE.alex, 'list');
    const riley = await command(stack, PEOPLE.riley, 'list');
    const taylor = await command(stack, PEOPLE.taylor, 'list');
    const chris = await command(stack, PEOPLE.chris, 'list');

    for (const id of [janes, pats, rileys]) expect(alex).toContain(id);
    // Riley, an approver, is being offboarded: she keeps no approver's view, and is not told why.
    expect(riley).toContain('Your open and recent requests');
    for (const id of [janes, pats, rileys]) expect(riley).not.toContain(id);
    expect(riley).not.toContain('HR-RILEY');
    for (const id of [janes, pats, rileys]) expect(taylor).toContain(id);
    expect(chris).toContain(pats);
    expect(chris).not.toContain(janes);
    expect(chris).not.toContain(rileys);
    expect(chris).toContain('Your open and recent requests');
  });

  it('answers in a direct message the bot is not in, through the command response and never chat.postEphemeral', async () => {
    const { stack, player } = await start({ env: ROLES });
    const { janes } = await threeRequests(player);

    const reply = await command(stack, PEOPLE.alex, 'list', 'D0ALEX001');

    expect(reply).toContain(janes);
    expect(stack.slack.callsTo('chat.postEphemeral')).toEqual([]);
    expect(stack.slack.messages(APPROVAL_CHANNEL).filter((m) => m.text.includes('Open and recent'))).toEqual([]);
  });
});

describe('/offboard status', () => {
  it('shows a request by its id to an approver, and to someone who may not see it answers as if it did not exist', async () => {
    const { stack, player } = await start({ env: ROLES });
    const { janes } = await threeRequests(player);

    const alex = await command(stack, PEOPLE.alex, `status ${janes}`);
    const chris = await command(stack, PEOPLE.chris, `status ${janes.toLowerCase()}`);
    const riley = await command(stack, PEOPLE.riley, `status ${janes}`);

    expect(alex).toContain(`*${janes}*: :hourglass: waiting for approval`);
    expect(alex).toContain('HR-JANE &lt;!channel&gt;');
    expect(alex).not.toContain('<!channel>');
    expect(alex).toContain(`<#${APPROVAL_CHANNEL}>`);
    // Neither someone with no role nor an approver being offboarded is shown it.
    for (const reply of [chris, riley]) {
      expect(reply).toContain(`There is no offboarding request ${janes} that you may see.`);
      expect(reply).not.toContain('HR-JANE');
      expect(reply).not.toContain(PEOPLE.jane);
    }
  });

  it('finds the requests about a person by mention or by email, in any letter case', async () => {
    const { stack, player } = await start({ env: ROLES });
    const { janes, pats } = await threeRequests(player);

    const byMention = await command(stack, PEOPLE.alex, `status <@${PEOPLE.jane}|jane>`);
    const byEmail = await command(stack, PEOPLE.taylor, 'status JANE.Doe@acme.example');
    const escaped = await command(stack, PEOPLE.taylor, 'status <mailto:jane.doe@acme.example|jane.doe@acme.example>');

    for (const reply of [byMention, byEmail, escaped]) {
      expect(reply).toContain(janes);
      expect(reply).not.toContain(pats);
    }
  });

  it('shows nobody the requests about themselves, by mention or by id', async () => {
    const { stack, player } = await start({ env: ROLES });
    const { rileys } = await threeRequests(player);

    const byMention = await command(stack, PEOPLE.riley, `status <@${PEOPLE.riley}|riley>`);
    const byId = await command(stack, PEOPLE.riley, `status ${rileys}`);
    const byEmail = await command(stack, PEOPLE.riley, 'status riley.ito@acme.example');

    expect(byMention).toContain('Nobody is shown requests about themselves.');
    expect(byId).toContain(`There is no offboarding request ${rileys} that you may see.`);
    for (const reply of [byMention, byEmail]) expect(reply).not.toContain(rileys);
    for (const reply of [byMention, byId, byEmail]) expect(reply).not.toContain('HR-RILEY');
  });

  it('asks for a request, a person or an email when given none, and shows nothing', async () => {
    const { stack, player } = await start({ env: ROLES });
    const { janes } = await threeRequests(player);
    const formsOpened = stack.slack.callsTo('views.open').length;

    const reply = await command(stack, PEOPLE.riley, 'status');

    expect(reply).toContain('Name a request, a person or an email');
    expect(reply).not.toContain(janes);
    expect(stack.slack.callsTo('views.open')).toHaveLength(formsOpened);
  });
});

describe('/offboard report', () => {
  it('answers in a direct message the bot is not in, through the command response', async () => {
    const { stack } = await start({ env: ROLES });

    const reply = await command(stack, PEOPLE.taylor, 'report OFF-NOSUCH', 'D0TAYLOR1');

    expect(reply).toContain('There is no offboarding request OFF-NOSUCH.');
    expect(stack.slack.callsTo('chat.postEphemeral')).toEqual([]);
    expect(stack.slack.files).toEqual([]);
  });
});
