import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { runView } from '../../src/runs/run-view.js';
import { ACME_PRODUCTION, JANE_EMAIL, LOOKALIKE_EMAIL } from '../../src/simulators/ibm-cloud/index.js';
import { COMMAND, FIELDS } from '../../src/slack/blocks/ids.js';
import { eventsOf, finishedTrail, readTrail, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const packSchema = JSON.parse(readFileSync(new URL('../../src/evidence/evidence-pack.schema.json', import.meta.url), 'utf8')) as object;
const validPack = new Ajv2020({ allErrors: true, strict: true }).compile(packSchema);
const byEmail = (email: string) => ({ personEmail: email, reason: 'contract_end' as const, disposition: 'delete_now' as const, ticket: 'HR-NOSLACK' });

/** The checklist's text once the round has finished. */
async function finishedChecklist(stack: Awaited<ReturnType<typeof start>>['stack'], player: Awaited<ReturnType<typeof start>>['player'], id: string) {
  return stack.slack.waitFor(() => {
    const text = JSON.stringify(player.checklist(id)?.blocks ?? []);
    return text.includes('Finished') ? text : undefined;
  });
}

describe('people who cannot be picked in Slack are offboarded by their email', () => {
  it('a person whose Slack account the identity provider already deactivated: asked for by email, their IBM Cloud access removed, the Slack account recorded as deactivated before the request and confirmed by read-back, never touched', async () => {
    const { stack, player } = await start({ slackScim: true });
    stack.slack.scim!.deactivateFromOutside(PEOPLE.jane);

    const id = await player.request(PEOPLE.morgan, byEmail(JANE_EMAIL));
    const submitted = eventsOf(await readTrail(stack, id), 'request.submitted')[0]!;
    // Slack still knows the deactivated account by that email: the request names it.
    expect(submitted.request.subject).toEqual({ slackUserId: PEOPLE.jane, name: 'Jane Doe', email: JANE_EMAIL });
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    const slackStep = runView(trail).steps.find((s) => s.ref.system === 'slack')!;
    expect(slackStep).toMatchObject({ state: 'verified', inventoryNote: 'already deactivated (before this request)' });
    expect(eventsOf(trail, 'step.verified').some((e) => e.stepId === slackStep.id)).toBe(true);
    expect(eventsOf(trail, 'step.acted').filter((e) => e.stepId === slackStep.id)).toEqual([]);
    expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeUndefined();
    // What did not happen: the bot changed nothing in Slack and ended no session of hers.
    expect(stack.slack.scim!.calls.filter((c) => c.method !== 'GET')).toEqual([]);
    expect(stack.slack.scim!.sessionEnds).toEqual([]);
    expect(await finishedChecklist(stack, player, id)).toContain('nothing to remove (already deactivated (before this request))');
  });

  it('a person with no Slack account at all: offboarded from IBM Cloud, and the checklist says "no Slack account"', async () => {
    const { stack, player } = await start({ slackScim: true });

    const id = await player.request(PEOPLE.morgan, byEmail(LOOKALIKE_EMAIL));
    const submitted = eventsOf(await readTrail(stack, id), 'request.submitted')[0]!;
    expect(submitted.request.subject).toEqual({ slackUserId: null, name: LOOKALIKE_EMAIL, email: LOOKALIKE_EMAIL });
    expect(JSON.stringify(player.approvalMessage(id)?.blocks)).toContain('(no Slack account)');
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    expect(eventsOf(trail, 'identities.found').find((e) => e.system === 'slack')!.identities).toEqual([]);
    const slackStep = runView(trail).steps.find((s) => s.ref.system === 'slack')!;
    expect(slackStep).toMatchObject({ state: 'verified', inventoryNote: 'no Slack account' });
    expect(eventsOf(trail, 'step.acted').filter((e) => e.stepId === slackStep.id)).toEqual([]);
    expect(stack.ibm.userInAccount(ACME_PRODUCTION, LOOKALIKE_EMAIL)).toBeUndefined();
    expect(await finishedChecklist(stack, player, id)).toContain('nothing to remove (no Slack account)');
    // The evidence names them without a Slack account, and its JSON still meets its schema.
    await player.evidence(id);
    const json = await stack.slack.waitFor(() => stack.slack.files.find((f) => f.filename.endsWith(`${id}.json`)));
    const pack = JSON.parse(json.bytes.toString('utf8')) as { request: { subject: unknown } };
    expect(pack.request.subject).toEqual({ slack_user_id: null, name: LOOKALIKE_EMAIL, email: LOOKALIKE_EMAIL });
    expect(validPack(pack), JSON.stringify(validPack.errors)).toBe(true);
    // What did not happen: Jane, whose email is inside the lookalike's, keeps her access and her Slack account.
    expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeDefined();
    expect(stack.slack.scim!.user(PEOPLE.jane)?.active).toBe(true);
    expect(stack.slack.scim!.calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });

  it('`/offboard <email>` opens the form with the email filled in; text that is no email opens nothing', async () => {
    const { stack } = await start();
    const opened = await stack.events.slashCommand({
      userId: PEOPLE.morgan,
      command: COMMAND,
      text: '<mailto:jane.doe@acme.example|jane.doe@acme.example>',
      channelId: GENERAL_CHANNEL,
    });
    await stack.bot.settled();
    expect(opened.status).toBe(200);
    const view = stack.slack.views.find((v) => v.kind === 'open' && v.userId === PEOPLE.morgan)!;
    const blocks = view.view.blocks as { block_id?: string; element?: { initial_value?: string } }[];
    expect(blocks.find((b) => b.block_id === FIELDS.personEmail)?.element?.initial_value).toBe('jane.doe@acme.example');

    const refused = await stack.events.slashCommand({ userId: PEOPLE.morgan, command: COMMAND, text: 'jane at acme', channelId: GENERAL_CHANNEL });
    await stack.bot.settled();
    expect(JSON.stringify(refused.json)).toContain('I could not read');
    expect(stack.slack.views.filter((v) => v.kind === 'open')).toHaveLength(1);
  });

  it('refuses a form with both a person picked and an email typed, and stores nothing', async () => {
    const { stack, player } = await start();
    const res = await player.submitForm(PEOPLE.morgan, { ...byEmail(JANE_EMAIL), person: PEOPLE.jane });
    expect(res.json).toEqual({ response_action: 'errors', errors: { [FIELDS.personEmail]: 'Pick the person or type their email, not both.' } });
    expect(stack.slack.messages(APPROVAL_CHANNEL)).toEqual([]);
  });
});
