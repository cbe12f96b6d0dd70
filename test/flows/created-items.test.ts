import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { FormAnswers } from '../../app/demo/request-form-values.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { rotationTasks } from '../../src/runs/handed-over.js';
import { runView } from '../../src/runs/run-view.js';
import { ACME_PRODUCTION, ACME_STAGING, defaultIbmSeed, SIM_IAM_IDS, SIM_NHI_IDS, type IbmCloudSeed } from '../../src/simulators/ibm-cloud/index.js';
import { ACTIONS, FIELDS } from '../../src/slack/blocks/ids.js';
import { eventsOf, eventually, finishedTrail, readTrail, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(
  JSON.parse(readFileSync(new URL('../../src/evidence/evidence-pack.schema.json', import.meta.url), 'utf8')) as object,
);
const { ciPipeline, ciPipelineKey } = SIM_NHI_IDS;
/** A second key on Jane's service ID, which its team had disabled before she left. */
const DISABLED_BEFORE = 'ApiKey-0d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a';
/** The key the bot runs as, in the world where it sits on the service ID Jane created. */
const BOT_KEY = 'ApiKey-bot-on-ci-pipeline';

const janeLeaves = (created?: FormAnswers['created']): FormAnswers => ({
  person: PEOPLE.jane,
  reason: 'resignation',
  disposition: 'disable_then_delete',
  graceDays: '30',
  successor: PEOPLE.taylor,
  ticket: 'HR-NHI',
  ...(created ? { created } : {}),
});

function seedWith(extra: { disabledBefore?: boolean; botKey?: boolean }): IbmCloudSeed {
  const seed = defaultIbmSeed();
  const template = seed.apiKeys.find((k) => k.id === ciPipelineKey)!;
  if (extra.disabledBefore) seed.apiKeys.push({ ...template, id: DISABLED_BEFORE, name: 'ci-pipeline-old', disabled: true, activity: { authn_count: 3 } });
  if (extra.botKey) {
    seed.apiKeys.push({ ...template, id: BOT_KEY, name: 'offboard-bot', activity: { authn_count: 12 } });
    seed.botApiKeyId = BOT_KEY;
  }
  return seed;
}

/** Jane's request approved and its first round finished, the checklist offering Reinstate. */
async function disabledJane(answers: FormAnswers, opts: { seed?: IbmCloudSeed; env?: Record<string, string> } = {}) {
  const { stack, player } = await start({ ...(opts.seed ? { ibm: { seed: opts.seed } } : {}), ...(opts.env ? { env: opts.env } : {}) });
  const id = await player.request(PEOPLE.morgan, answers);
  await player.click(PEOPLE.alex, 'approve', id);
  const trail = await finishedTrail(stack, id);
  return { stack, player, id, trail };
}

const checklistText = (player: Awaited<ReturnType<typeof start>>['player'], id: string) => JSON.stringify(player.checklist(id)?.blocks ?? []);
const keyState = (stack: LocalStack, id: string) => {
  const key = stack.ibm.apiKey(id);
  return key ? (key.disabled ? 'disabled' : 'enabled') : 'gone';
};
/** What the step of this name recorded in a phase, by item id. */
const changesOf = (trail: Awaited<ReturnType<typeof readTrail>>, step: string, phase: string) =>
  Object.fromEntries(
    runView(trail)
      .steps.filter((s) => s.ref.step === step && s.phase === phase)
      .flatMap((s) => s.changes ?? [])
      .map((c) => [c.id, `${c.outcome}${c.detail ? `: ${c.detail}` : ''}`]),
  );

async function rescans(stack: LocalStack, id: string) {
  return eventually(
    async () => {
      const done = eventsOf(await readTrail(stack, id), 'rescan.done');
      return done.length ? done : undefined;
    },
    15_000,
    'a re-scan',
  );
}

describe('what the person created, in the approval message', () => {
  it('counts each kind, names the most-used key, flags a service ID another team depends on, and shows the choice', async () => {
    const { player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves('disable'));
    const text = JSON.stringify(player.approvalMessage(id)!.blocks);

    expect(text).toContain('*What they created:* Disable, delete after the grace period');
    expect(text).toContain('Keys of service IDs they created: 1 · Service IDs they created: 1');
    expect(text).toContain(
      "Service credentials and instances they created: 1 service credential, 1 service instance · Keys on others' service IDs and profiles they created: 1 API key on someone else's service ID",
    );
    // Staging: the trusted profile she created.
    expect(text).toContain("Keys on others' service IDs and profiles they created: 1 trusted profile");
    expect(text).toContain(
      `*Most used:*\\n• ci-pipeline-key (service ID ci-pipeline) in \`${ACME_PRODUCTION}\`: 30,211 sign-ins, last 2025-01-14T07:59:00.000Z`,
    );
    expect(text).toContain(`:warning: service ID ci-pipeline in \`${ACME_PRODUCTION}\`: another team depends on it: ${SIM_IAM_IDS.alex} granted it access`);
  });

  it('defaults to Hand over when a successor is named, and says so', async () => {
    const { player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves());
    expect(JSON.stringify(player.approvalMessage(id)!.blocks)).toContain(`*What they created:* Hand over to <@${PEOPLE.taylor}>`);
  });

  it('refuses Disable with Delete now, in the form, and files nothing', async () => {
    const { stack, player } = await start();
    const res = await player.submitForm(PEOPLE.morgan, { ...janeLeaves('disable'), disposition: 'delete_now' });
    expect(res.json).toMatchObject({ response_action: 'errors', errors: { [FIELDS.created]: expect.stringContaining('Delete now keeps nothing to disable') } });
    expect(stack.slack.messages(APPROVAL_CHANNEL)).toEqual([]);
  });
});

describe('Disable', () => {
  it('disables the keys of her service IDs at the disable phase, deletes nothing, and Reinstate re-enables exactly those, not one disabled before', async () => {
    const { stack, player, id, trail } = await disabledJane(janeLeaves('disable'), { seed: seedWith({ disabledBefore: true }) });

    expect(keyState(stack, ciPipelineKey)).toBe('disabled');
    expect(keyState(stack, DISABLED_BEFORE)).toBe('disabled');
    expect(stack.ibm.serviceId(ciPipeline)).toBeDefined();
    expect(changesOf(trail, 'service-id-keys', 'disable')).toEqual({ [ciPipelineKey]: 'disabled', [DISABLED_BEFORE]: 'already_absent: already disabled' });
    expect(runView(trail).steps.filter((s) => s.ref.step === 'service-ids')).toEqual([]);
    await stack.slack.waitFor(() => checklistText(player, id).includes(ACTIONS.reinstate), { timeoutMs: 20_000 });
    expect(checklistText(player, id)).toMatch(/Keys of service IDs they created: 1 disabled, 1 already absent; verified by read-back/);

    await player.checklistButton(PEOPLE.riley, 'reinstate', id);
    const after = await finishedTrail(stack, id, { rounds: 2 });

    expect(eventsOf(after, 'run.finished')[1]!.outcome).toBe('verified');
    expect(keyState(stack, ciPipelineKey)).toBe('enabled');
    expect(keyState(stack, DISABLED_BEFORE)).toBe('disabled');
    expect(changesOf(after, 'service-id-keys', 'reinstate')).toEqual({ [ciPipelineKey]: 'restored: re-enabled' });
  });

  it('deletes her service ID with its keys only when the grace period ends', async () => {
    const { stack, player, id } = await disabledJane(janeLeaves('disable'));
    expect(stack.ibm.serviceId(ciPipeline)).toBeDefined();
    await stack.slack.waitFor(() => checklistText(player, id).includes(ACTIONS.endGrace), { timeoutMs: 20_000 });

    await player.checklistButton(PEOPLE.riley, 'endGrace', id);
    const trail = await finishedTrail(stack, id, { rounds: 2 });

    expect(eventsOf(trail, 'run.finished')[1]).toMatchObject(VERIFIED_BUT_STAGING);
    expect(stack.ibm.serviceId(ciPipeline)).toBeUndefined();
    expect(keyState(stack, ciPipelineKey)).toBe('gone');
    expect(changesOf(trail, 'service-ids', 'delete')).toEqual({ [ciPipeline]: `removed: deleted with its API key ci-pipeline-key (${ciPipelineKey})` });
    // Alex's service ID, with the key Jane made on it, stays: listed, not changed.
    expect(stack.ibm.serviceId(SIM_NHI_IDS.logShipper)).toBeDefined();
    expect(changesOf(trail, 'created-keys-and-profiles', 'delete')[SIM_NHI_IDS.logShipperJaneKey]).toMatch(
      /^kept: created by them .*not changed: they have seen its secret, to be rotated \(a rotation task in the checklist\)/,
    );
  });
});

/** Every call that changed her service ID or its key, as IBM Cloud received them. */
const changesTo = (stack: LocalStack, ...ids: string[]) =>
  stack.ibm.requests.filter((r) => r.method !== 'GET' && ids.some((id) => r.path.includes(id))).map((r) => `${r.method} ${r.path}`);

describe('Delete, with a grace period', () => {
  it('leaves her service ID and its key working through the grace period, says so, and deletes them, read back, when it ends', async () => {
    const { stack, player, id, trail } = await disabledJane(janeLeaves('delete'), { env: { OFFBOARD_RESCAN_AFTER: '2s' } });

    expect(JSON.stringify(player.approvalMessage(id)!.blocks)).toContain(
      '*What they created:* Delete when the grace period ends (30 days); left working until then',
    );
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    expect(keyState(stack, ciPipelineKey)).toBe('enabled');
    expect(stack.ibm.serviceId(ciPipeline)).toBeDefined();
    expect(changesTo(stack, ciPipelineKey, ciPipeline)).toEqual([]);
    expect(changesOf(trail, 'service-id-keys', 'disable')).toEqual({
      [ciPipelineKey]: 'kept: left working through the grace period, as the request chose Delete: deleted with its service ID when the grace period ends',
    });
    // To be deleted, not handed over: no rotation task for the key she made.
    expect(rotationTasks(runView(trail)).map((t) => t.id)).not.toContain(ciPipelineKey);
    // Working on purpose: its use after the disable is no alert.
    stack.ibm.useApiKey(ciPipelineKey, new Date());
    const [done] = await rescans(stack, id);
    expect(done!.findings.map((f) => f.item.id)).not.toContain(ciPipelineKey);

    await stack.slack.waitFor(() => checklistText(player, id).includes(ACTIONS.endGrace), { timeoutMs: 20_000 });
    await player.checklistButton(PEOPLE.riley, 'endGrace', id);
    const after = await finishedTrail(stack, id, { rounds: 2 });

    expect(eventsOf(after, 'run.finished')[1]).toMatchObject(VERIFIED_BUT_STAGING);
    expect(stack.ibm.serviceId(ciPipeline)).toBeUndefined();
    expect(keyState(stack, ciPipelineKey)).toBe('gone');
    expect(changesOf(after, 'service-ids', 'delete')).toEqual({ [ciPipeline]: `removed: deleted with its API key ci-pipeline-key (${ciPipelineKey})` });
    expect(eventsOf(after, 'step.verified').map((e) => e.stepId)).toContain(`ibm-cloud.${ACME_PRODUCTION}.service-ids`);
    // The evidence of the deletion round says what was chosen, and when it deletes.
    await player.evidence(id, 20_000, 2);
    const file = stack.slack.files.find((f) => f.filename.endsWith(`${id}-round2.json`))!;
    const pack = JSON.parse(Buffer.from(file.bytes).toString('utf8')) as { request: { created_items: unknown } };
    expect(validate(pack), JSON.stringify(validate.errors)).toBe(true);
    expect(pack.request.created_items).toEqual({
      choice: 'delete',
      label: 'Delete when the grace period ends (30 days); left working until then',
      successor_name: 'Taylor Successor',
    });
  });

  it('a Reinstate during the grace period changes nothing of what she created: her key stays enabled, one disabled before stays disabled', async () => {
    const { stack, player, id } = await disabledJane(janeLeaves('delete'), { seed: seedWith({ disabledBefore: true }) });
    await stack.slack.waitFor(() => checklistText(player, id).includes(ACTIONS.reinstate), { timeoutMs: 20_000 });

    await player.checklistButton(PEOPLE.riley, 'reinstate', id);
    const after = await finishedTrail(stack, id, { rounds: 2 });

    expect(eventsOf(after, 'run.finished')[1]!.outcome).toBe('verified');
    expect(keyState(stack, ciPipelineKey)).toBe('enabled');
    expect(keyState(stack, DISABLED_BEFORE)).toBe('disabled');
    expect(stack.ibm.serviceId(ciPipeline)).toBeDefined();
    expect(changesOf(after, 'service-id-keys', 'reinstate')).toEqual({});
    expect(changesTo(stack, ciPipelineKey, DISABLED_BEFORE, ciPipeline)).toEqual([]);
  });
});

describe('Hand over', () => {
  it('leaves her service ID and its key working, says they are handed over, and their use afterwards is no alert', async () => {
    const { stack, player, id, trail } = await disabledJane(janeLeaves('hand_over'), { env: { OFFBOARD_RESCAN_AFTER: '2s' } });

    expect(keyState(stack, ciPipelineKey)).toBe('enabled');
    expect(changesOf(trail, 'service-id-keys', 'disable')).toEqual({ [ciPipelineKey]: 'kept: handed over to Taylor Successor; left working' });
    // Her service instance names the successor as its owner of record.
    expect(changesOf(trail, 'created-credentials', 'disable')[SIM_NHI_IDS.janeInstance]).toMatch(/keeps running, owner of record: Taylor Successor$/);
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    await stack.slack.waitFor(() => checklistText(player, id).includes('handed over to Taylor Successor; left working'));
    // The evidence: the choice, every item with what was done to it, the step verified by read-back.
    await player.evidence(id);
    const file = stack.slack.files.find((f) => f.filename.endsWith(`${id}.json`))!;
    const pack = JSON.parse(Buffer.from(file.bytes).toString('utf8')) as {
      schema_version: string;
      request: { created_items: unknown };
      steps: {
        step: string;
        scope: string;
        assurance: string;
        found: { id: string; warning?: string }[];
        changes: { id: string; outcome: string; detail: string }[];
      }[];
    };
    expect(validate(pack), JSON.stringify(validate.errors)).toBe(true);
    expect(pack.schema_version).toBe('1.7');
    expect(pack.request.created_items).toEqual({ choice: 'hand_over', label: 'Hand over to the successor', successor_name: 'Taylor Successor' });
    const keys = pack.steps.find((s) => s.step === 'service-id-keys' && s.scope === ACME_PRODUCTION)!;
    expect(keys.changes).toEqual([expect.objectContaining({ id: ciPipelineKey, outcome: 'kept', detail: 'handed over to Taylor Successor; left working' })]);
    const serviceIds = pack.steps.filter((s) => s.step === 'service-ids');
    expect(serviceIds).toEqual([]);

    stack.ibm.useApiKey(ciPipelineKey, new Date());
    stack.ibm.useApiKey(SIM_NHI_IDS.logShipperJaneKey, new Date());
    const [done] = await rescans(stack, id);
    expect(done!.findings).toEqual([]);
    expect(keyState(stack, ciPipelineKey)).toBe('enabled');
  });
});

describe('an account where the Resource Controller does not answer (not the one IBMCLOUD_API_KEY belongs to)', () => {
  it('shows its service-credentials step "not checked" with why, never green; the round does not say all verified; the evidence states it; the same step in the key\'s own account is green by its listing', async () => {
    const { stack, player, id, trail } = await disabledJane(janeLeaves('hand_over'));
    const staging = `ibm-cloud.${ACME_STAGING}.created-credentials`;
    const production = `ibm-cloud.${ACME_PRODUCTION}.created-credentials`;
    const why = `the Resource Controller answers only for account ${ACME_PRODUCTION}, the one IBMCLOUD_API_KEY belongs to`;

    // The trail: not checked, with why, and never verified; the round says so.
    expect(eventsOf(trail, 'step.unchecked')).toEqual([expect.objectContaining({ stepId: staging, reason: why })]);
    expect(eventsOf(trail, 'step.verified').map((e) => e.stepId)).not.toContain(staging);
    expect(eventsOf(trail, 'step.verified').map((e) => e.stepId)).toContain(production);
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject({ outcome: 'unchecked', failedSteps: [], uncheckedSteps: [staging] });
    const steps = runView(trail).steps;
    expect(steps.find((s) => s.id === staging)).toMatchObject({ state: 'unchecked', unchecked: why });
    expect(steps.find((s) => s.id === production)).toMatchObject({ state: 'verified' });

    // The checklist: its own icon and wording with the reason, no "every step verified", no Retry for it.
    const text = await stack.slack.waitFor(() => {
      const t = checklistText(player, id);
      return t.includes('Finished') ? t : undefined;
    });
    expect(text).toContain(
      `:grey_question: Service credentials and instances they created: *not checked here*: ${why}; nothing was read, so nothing here is verified`,
    );
    // Only listed, nothing changed: verified by that listing (within the one checklist line).
    expect(text).toMatch(/:white_check_mark: Service credentials and instances they created: 2 kept: [^"]*; verified by its listing/);
    expect(text).toContain(':grey_question: Finished');
    expect(text).toContain('verified, except 1 step(s) *not checked*');
    expect(text).toContain(`Service credentials and instances they created in account ${ACME_STAGING}: not checked (${why})`);
    expect(text).not.toContain('every step verified');
    expect(text).not.toContain(ACTIONS.retry);
    expect(text).not.toContain(ACTIONS.retryStep);

    // The evidence: the step not checked with why, under exceptions and not covered; the outcome says not all verified.
    const pdf = await player.evidence(id);
    const file = stack.slack.files.find((f) => f.filename.endsWith(`${id}.json`))!;
    const pack = JSON.parse(Buffer.from(file.bytes).toString('utf8')) as {
      schema_version: string;
      outcome: { result: string; text: string; access_ended_at: string | null };
      steps: { id: string; state: string; assurance: string; unchecked?: string }[];
      exceptions: { kind: string; subject: string; detail: string }[];
      not_covered: string[];
      rounds: { outcome: string }[];
    };
    expect(validate(pack), JSON.stringify(validate.errors)).toBe(true);
    expect(pack.schema_version).toBe('1.7');
    expect(pack.outcome.result).toBe('unchecked');
    expect(pack.outcome.text).toContain(
      `Not all steps verified: 1 step(s) not checked, the bot could not look there: Service credentials and instances they created in ${ACME_STAGING} (${why})`,
    );
    expect(pack.outcome.access_ended_at).toBeNull();
    expect(pack.rounds[0]!.outcome).toBe('unchecked');
    expect(pack.steps.find((s) => s.id === staging)).toMatchObject({ state: 'unchecked', assurance: 'not_checked', unchecked: why });
    // It only listed what it keeps, changing nothing: verified by that listing, and the pack says so.
    expect(pack.steps.find((s) => s.id === production)).toMatchObject({ state: 'verified', assurance: 'verified_by_listing' });
    expect(pack.steps.find((s) => s.id === production)).not.toHaveProperty('unchecked');
    expect(pack.exceptions).toContainEqual(
      expect.objectContaining({ kind: 'step_not_checked', subject: staging, detail: `could not look in its scope: ${why}` }),
    );
    expect(pack.not_covered).toContain(`Service credentials and instances they created in account ${ACME_STAGING}: not checked (${why})`);
    const printed = (await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true })).text.replace(/\s+/g, ' ');
    expect(printed).toContain('Not all steps verified: 1 step(s) not checked');
    expect(printed).toContain('UNCHECKED');
    expect(printed).not.toContain('All steps verified');
  });
});

describe('re-scans after the disable phase', () => {
  it("alert on a key of her service ID, and one she made on someone else's, used after the disable, and on a service ID and key she made after it", async () => {
    const { stack, player, id } = await disabledJane(janeLeaves('disable'), { env: { OFFBOARD_RESCAN_AFTER: '2s' } });
    await stack.slack.waitFor(() => checklistText(player, id).includes(ACTIONS.reinstate), { timeoutMs: 20_000 });
    stack.ibm.useApiKey(ciPipelineKey, new Date());
    stack.ibm.useApiKey(SIM_NHI_IDS.logShipperJaneKey, new Date());
    const made = stack.ibm.createServiceId({ accountId: ACME_STAGING, name: 'shadow-deployer', createdBy: SIM_IAM_IDS.jane });
    const newKey = stack.ibm.createApiKey({ accountId: ACME_STAGING, iamId: made.iam_id, name: 'shadow-key', createdBy: SIM_IAM_IDS.jane });

    const [done] = await rescans(stack, id);
    const why = Object.fromEntries(done!.findings.map((f) => [f.item.id, f.why]));
    expect(why[ciPipelineKey]).toMatch(/^used at .*, after access was removed$/);
    expect(why[SIM_NHI_IDS.logShipperJaneKey]).toMatch(/^used at .*, after access was removed$/);
    expect(why[newKey.id]).toMatch(/^Keys of service IDs they created: made at .*, after access was removed$/);
    expect(why[made.id]).toMatch(/^Service IDs they created: made at .*, after access was removed$/);
    const alert = await stack.slack.waitFor(() =>
      stack.slack.thread(APPROVAL_CHANNEL, player.approvalMessage(id)!.ts).find((m) => m.text.includes('Access came back')),
    );
    expect(alert.text).toContain(newKey.id);
  });
});

describe("the bot's own API key", () => {
  it('is never disabled, even on a service ID she created: the step fails naming it, and the key keeps working', async () => {
    const { stack, player, id, trail } = await disabledJane(janeLeaves('disable'), { seed: seedWith({ botKey: true }) });

    expect(keyState(stack, BOT_KEY)).toBe('enabled');
    expect(keyState(stack, ciPipelineKey)).toBe('disabled');
    const failed = eventsOf(trail, 'step.failed').find((e) => e.stepId === `ibm-cloud.${ACME_PRODUCTION}.service-id-keys`);
    expect(failed?.error).toContain(`(${BOT_KEY}) is the API key the bot runs as (IBMCLOUD_API_KEY), so it was left working`);
    await stack.slack.waitFor(() => checklistText(player, id).includes('the API key the bot runs as'));
    expect(changesOf(trail, 'service-id-keys', 'disable')[BOT_KEY]).toMatch(/^still_present/);
  });
});

describe('a role change', () => {
  it('keeps what the person created with them: none of its steps is planned', async () => {
    const { stack, id, trail } = await disabledJane({ ...janeLeaves(), reason: 'role_change' });
    const planned = eventsOf(trail, 'run.planned')[0]!.steps.map((s) => s.step);
    expect(planned).not.toContain('service-id-keys');
    expect(planned).not.toContain('created-credentials');
    expect(planned).not.toContain('created-keys-and-profiles');
    expect(keyState(stack, ciPipelineKey)).toBe('enabled');
    expect(id).toMatch(/^OFF-/);
  });
});
