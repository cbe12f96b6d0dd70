import { describe, expect, it } from 'vitest';
import { FIELDS } from '../../src/slack/blocks/ids.js';
import { requestModal } from '../../src/slack/blocks/request-modal.js';

/** The block of the form that asks `field`, as Slack shows it. */
const blockOf = (field: string) => {
  const block = (requestModal().blocks as { block_id?: string }[]).find((b) => b.block_id === field);
  if (!block) throw new Error(`the form has no ${field} field`);
  return block as { block_id: string; hint?: { text: string }; element: { options: { value: string; text: { text: string } }[] } };
};

describe('the request form, "What they created"', () => {
  it('offers Hand over, Disable and Delete, and its help says Delete leaves them working until the grace period ends while Disable stops them at once', () => {
    const field = blockOf(FIELDS.created);
    expect(field.element.options.map((o) => o.value)).toEqual(['hand_over', 'disable', 'delete']);
    expect(field.hint?.text).toContain('Disable stops them at once.');
    expect(field.hint?.text).toContain('Delete, with a grace period, leaves them working until it ends, then deletes them.');
  });
});
