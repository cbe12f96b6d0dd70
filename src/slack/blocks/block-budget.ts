import { blocksText, context } from './block-kit.js';

export type Block = Record<string, unknown>;

/** What a message has left to spend: blocks, and characters of block text (`blocksText`). */
export interface Room {
  blocks: number;
  chars: number;
}

/** One block a section asks for, and how many of its tasks lose their buttons when it does not fit (a heading: none). */
export interface Row {
  block: Block;
  tasks: number;
}

/**
 * A section's claim on the message's room: its rows in the order they should show, and `beyond`,
 * the tasks its builder gave no row (past its own ceiling), counted with those the room leaves out.
 * `noun` and `nouns` name one task and several, for the line that counts them.
 */
export interface Claim {
  noun: string;
  nouns: string;
  rows: readonly Row[];
  beyond?: number;
}

export interface Spent {
  /** Each claim's rows that fit, in the claims' order. */
  shown: Block[][];
  /** The tasks left without their buttons, by claim, where any were. */
  left: { noun: string; nouns: string; tasks: number }[];
  room: Room;
}

/**
 * Spends `room` on `claims` in their order, each row taken while it fits; once one does not, neither
 * it nor anything after it is taken, so a later, smaller row never jumps ahead of one that needs a
 * click sooner. What is not taken is counted, by claim, for `leftLine`.
 */
export function spend(room: Room, claims: readonly Claim[]): Spent {
  let { blocks, chars } = room;
  let full = false;
  const shown: Block[][] = [];
  const left: Spent['left'] = [];
  for (const claim of claims) {
    const taken: Block[] = [];
    let lost = claim.beyond ?? 0;
    for (const row of claim.rows) {
      const size = blocksText([row.block]);
      full ||= blocks < 1 || size > chars;
      if (full) {
        lost += row.tasks;
        continue;
      }
      taken.push(row.block);
      blocks -= 1;
      chars -= size;
    }
    shown.push(taken);
    if (lost) left.push({ noun: claim.noun, nouns: claim.nouns, tasks: lost });
  }
  return { shown, left, room: { blocks, chars } };
}

/** The room `leftLine` may take: one block, this many characters at most. */
export const LEFT_LINE_CHARS = 500;

/**
 * One line counting the tasks that have no button in this message, and where they are: each stays
 * listed in its section (or in the evidence), and the next ones get their buttons as these are closed.
 */
export function leftLine(left: Spent['left'], where: string): Block[] {
  if (!left.length) return [];
  const counts = left.map(({ noun, nouns, tasks }) => `${tasks} ${tasks === 1 ? noun : nouns}`);
  const list = counts.length > 1 ? `${counts.slice(0, -1).join(', ')} and ${counts.at(-1)}` : counts[0]!;
  return [
    context(`:heavy_plus_sign: *Not shown, to fit one Slack message: the buttons of ${list}.* Theirs appear here as the ones above are closed; ${where}.`),
  ];
}
