import { describe, expect, it } from 'vitest';
import { runView } from '../../src/runs/run-view.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING, defaultIbmSeed, SIM_IAM_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { eventsOf, finishedTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const janeLeaves = {
  person: PEOPLE.jane,
  reason: 'resignation' as const,
  disposition: 'disable_then_delete' as const,
  graceDays: '30',
  successor: PEOPLE.taylor,
  ticket: 'HR-KEYS',
};
/** Jane turned this key off herself, long before she left. */
const ALREADY_DISABLED = 'jane-terraform';

/** Every key Jane's two identities hold, by name, as enabled or disabled. */
function janeKeys(stack: Awaited<ReturnType<typeof start>>['stack']) {
  return Object.fromEntries(
    [ACME_PRODUCTION, ACME_STAGING].flatMap((account) =>
      [SIM_IAM_IDS.jane, SIM_IAM_IDS.janeSl].flatMap((iamId) => stack.ibm.apiKeysOf(account, iamId).map((k) => [k.name, k.disabled ? 'disabled' : 'enabled'])),
    ),
  );
}

describe('reinstating API keys', () => {
  it('a key the person had disabled before the offboarding stays disabled after Reinstate; the keys the bot disabled are enabled again', async () => {
    const seed = defaultIbmSeed();
    seed.apiKeys.find((k) => k.name === ALREADY_DISABLED)!.disabled = true;
    const { stack, player } = await start({ ibm: { seed } });
    const before = janeKeys(stack);
    expect(before[ALREADY_DISABLED]).toBe('disabled');
    expect(Object.values(before).filter((s) => s === 'enabled').length).toBeGreaterThan(1);

    const id = await player.request(PEOPLE.morgan, janeLeaves);
    await player.click(PEOPLE.alex, 'approve', id);
    await finishedTrail(stack, id);
    expect(Object.values(janeKeys(stack))).toEqual(Object.values(before).map(() => 'disabled'));
    await stack.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks ?? []).includes(ACTIONS.reinstate), { timeoutMs: 20_000 });

    await player.checklistButton(PEOPLE.riley, 'reinstate', id);
    const trail = await finishedTrail(stack, id, { rounds: 2 });

    expect(eventsOf(trail, 'run.finished')[1]!.outcome).toBe('verified');
    expect(janeKeys(stack)).toEqual(before);
    // The evidence says the same: found disabled and left so, and not among what came back.
    const changes = (phase: string) =>
      runView(trail)
        .steps.filter((s) => s.phase === phase && s.ref.step === 'api-keys')
        .flatMap((s) => s.changes ?? []);
    expect(changes('disable').find((c) => c.label === ALREADY_DISABLED)).toMatchObject({ outcome: 'already_absent', detail: 'already disabled' });
    expect(changes('reinstate').map((c) => c.label)).not.toContain(ALREADY_DISABLED);
    expect(
      changes('reinstate')
        .map((c) => c.label)
        .sort(),
    ).toEqual(
      Object.keys(before)
        .filter((k) => k !== ALREADY_DISABLED)
        .sort(),
    );
  });
});
