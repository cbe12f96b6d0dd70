import { describe, expect, it } from 'vitest';
import { leftLine, spend } from '../../src/slack/blocks/block-budget.js';
import { context } from '../../src/slack/blocks/block-kit.js';

const row = (text: string, tasks = 1) => ({ block: context(text), tasks });

describe("one block budget for a message's buttons", () => {
  it('spends the room on the claims in their order and counts, by claim, the tasks left without a row', () => {
    const { shown, left, room } = spend({ blocks: 3, chars: 1000 }, [
      { noun: 'failed step', nouns: 'failed steps', rows: [row('retry a')] },
      { noun: 'open task', nouns: 'open tasks', rows: [row('done b'), row('done c'), row('done d')] },
      { noun: 'rotation task', nouns: 'rotation tasks', rows: [row('listing', 0), row('rotated e')], beyond: 4 },
    ]);
    expect(shown.map((blocks) => blocks.length)).toEqual([1, 2, 0]);
    expect(left).toEqual([
      { noun: 'open task', nouns: 'open tasks', tasks: 1 },
      { noun: 'rotation task', nouns: 'rotation tasks', tasks: 5 },
    ]);
    expect(room).toEqual({ blocks: 0, chars: 1000 - 'retry a'.length - 'done b'.length - 'done c'.length });
  });

  it('once a row does not fit, a later and smaller one does not jump ahead of it', () => {
    const { shown, left } = spend({ blocks: 10, chars: 20 }, [
      { noun: 'open task', nouns: 'open tasks', rows: [row('x'.repeat(15)), row('y'.repeat(15))] },
      { noun: 'open item', nouns: 'open items', rows: [row('z')] },
    ]);
    expect(shown).toEqual([[context('x'.repeat(15))], []]);
    expect(left.map((l) => l.tasks)).toEqual([1, 1]);
  });

  it('says nothing when every task has its row, and names each kind it leaves out, and where they are, when not', () => {
    expect(leftLine([], 'the evidence report lists every one')).toEqual([]);
    const line = JSON.stringify(
      leftLine(
        [
          { noun: 'open task', nouns: 'open tasks', tasks: 1 },
          { noun: 'open item', nouns: 'open items', tasks: 20 },
          { noun: 'rotation task', nouns: 'rotation tasks', tasks: 22 },
        ],
        'the evidence report lists every one',
      ),
    );
    expect(line).toContain(
      'Not shown, to fit one Slack message: the buttons of 1 open task, 20 open items and 22 rotation tasks.* Theirs appear here as the ones above are closed; the evidence report lists every one.',
    );
  });
});
