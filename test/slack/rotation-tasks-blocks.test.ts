import { describe, expect, it } from 'vitest';
import type { RotationTask } from '../../src/runs/handed-over.js';
import type { BotRotation } from '../../src/runs/run-view.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { rotationBlocks } from '../../src/slack/blocks/rotation-tasks.js';

const STEP = 'ibm-cloud.a1b2c3d4e5f60718293a4b5c6d7e8f90.service-id-keys';
const AT = '2026-12-01T10:00:00.000Z';
const base = { seq: '1-0', at: AT, stepId: STEP, itemId: 'ApiKey-1' };

const task = (bot?: Partial<BotRotation>, extra: Partial<RotationTask> = {}): RotationTask => ({
  where: 'IBM Cloud account a1b2c3d4e5f60718293a4b5c6d7e8f90',
  label: 'ci-pipeline-key (service ID ci-pipeline)',
  id: 'ApiKey-1',
  stepId: STEP,
  code: '0123456789ab',
  ...(bot ? { bot: { requested: { ...base, type: 'rotation.requested', actor: 'U0TAYLOR1' }, switches: [], holds: [], ...bot } } : {}),
  ...extra,
});

const replaced = {
  replaced: {
    ...base,
    type: 'rotation.replaced' as const,
    replacementId: 'ApiKey-2',
    replacementName: 'offboard-rotation-x',
    replacementCreatedAt: AT,
    link: 'https://cloud.ibm.com/iam/serviceids/ServiceId-1?bss_account=a1',
  },
};
const switched = (attempt: number) => ({ ...base, type: 'rotation.switched' as const, actor: 'U0TAYLOR1', attempt });

function render(t: RotationTask) {
  const blocks = rotationBlocks('OFF-ABC123', 'U0TAYLOR1', [t]);
  const text = JSON.stringify(blocks[0]);
  const buttons = blocks.slice(1).flatMap((b) => (b as { elements: { action_id: string }[] }).elements.map((e) => e.action_id));
  return { text, buttons };
}

describe('a rotation task in the checklist', () => {
  it('untouched, offers Rotated myself, Rotate for me and Not needed', () => {
    expect(render(task()).buttons).toEqual([ACTIONS.rotatedMyself, ACTIONS.rotateForMe, ACTIONS.rotationNotNeeded]);
  });

  it('asked of the bot, says who asked and offers nothing to click until the replacement is made', () => {
    const { text, buttons } = render(task({}));
    expect(text).toContain('Rotate for me, asked by <@U0TAYLOR1>');
    expect(text).toContain('making the replacement');
    expect(buttons).toEqual([]);
  });

  it('with its replacement made, names it, links the console, and offers only Switched', () => {
    const { text, buttons } = render(task(replaced));
    expect(text).toContain('replacement *offboard-rotation-x* (`ApiKey-2`)');
    expect(text).toContain('<https://cloud.ibm.com/iam/serviceids/ServiceId-1?bss_account=a1|collect it in the console>');
    expect(buttons).toEqual([ACTIONS.rotationSwitched]);
  });

  it('after Switched, checks before disabling and offers nothing; after a hold, warns and offers Switched again', () => {
    const pending = render(task({ ...replaced, switches: [switched(1)] }));
    expect(pending.text).toContain("checking the old one's last use");
    expect(pending.buttons).toEqual([]);
    const held = render(task({ ...replaced, switches: [switched(1)], holds: [{ ...base, type: 'rotation.held', attempt: 1, lastUsed: AT }] }));
    expect(held.text).toContain('nothing was disabled');
    expect(held.buttons).toEqual([ACTIONS.rotationSwitched]);
  });

  it('once the old one is disabled, is closed, green, "rotated by the bot", confirmed by read-back', () => {
    const { text, buttons } = render(task({ ...replaced, switches: [switched(1)], retired: { ...base, type: 'rotation.retired', attempt: 1 } }));
    expect(text).toContain('all 1 closed');
    expect(text).toContain(':white_check_mark: *ci-pipeline-key (service ID ci-pipeline)*');
    expect(text).toContain("rotated by the bot at <@U0TAYLOR1>'s request");
    expect(text).toContain('confirmed by read-back; deleted at the delete phase');
    expect(buttons).toEqual([]);
  });

  it('escapes what the system said (a name, an error) and puts no odd address inside link markup', () => {
    const hostile = task({
      replaced: { ...replaced.replaced, replacementName: 'x <!channel> & co', link: 'https://cloud.ibm.com/x|<@U0ALEX001>' },
      failed: { ...base, type: 'rotation.failed', work: 'retire', error: 'denied <!here>' },
    });
    const { text, buttons } = render(hostile);
    expect(text).not.toContain('<!here>');
    expect(text).toContain('denied &lt;!here&gt;');
    expect(buttons).toEqual([ACTIONS.rotationSwitched]);
    const asked = render(task({ replaced: { ...replaced.replaced, replacementName: 'x <!channel> & co', link: 'https://cloud.ibm.com/x|<@U0ALEX001>' } })).text;
    expect(asked).not.toContain('<!channel>');
    expect(asked).not.toContain('<@U0ALEX001>');
    expect(asked).toContain('*x &lt;!channel&gt; &amp; co*');
    expect(asked).toContain('collect it in the console (https://cloud.ibm.com/x|&lt;@U0ALEX001&gt;)');
  });
});
