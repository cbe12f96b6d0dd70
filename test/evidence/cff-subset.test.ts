import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../src/audit/audit-chain.js';
import { charstring } from '../../src/evidence/cff-subset.js';
import { renderEvidencePdf } from '../../src/evidence/evidence-pdf.js';
import { buildEvidencePack } from '../../src/evidence/evidence-pack.js';
import { GENERATOR, NAMES, request, run } from './pack-fixture.js';

/** Reads a charstring back as operators with their operands (the Type 2 number forms we write). */
function decode(bytes: Uint8Array): Array<[number, number[]]> {
  const ops: Array<[number, number[]]> = [];
  let stack: number[] = [];
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i++]!;
    if (b >= 32 && b <= 246) stack.push(b - 139);
    else if (b >= 247 && b <= 250) stack.push((b - 247) * 256 + bytes[i++]! + 108);
    else if (b >= 251 && b <= 254) stack.push(-(b - 251) * 256 - bytes[i++]! - 108);
    else if (b === 28) stack.push(((bytes[i++]! << 24) | (bytes[i++]! << 16)) >> 16);
    else if (b === 255) stack.push(((bytes[i++]! << 24) | (bytes[i++]! << 16) | (bytes[i++]! << 8) | bytes[i++]!) / 65536);
    else {
      ops.push([b, stack]);
      stack = [];
    }
  }
  return ops;
}

describe('CFF subsets without subroutines', () => {
  it('writes the outline as relative moves, lines and curves, with the width first when it is given', () => {
    const path = [
      { command: 'moveTo', args: [100, -200] },
      { command: 'lineTo', args: [1231, -200] },
      { command: 'lineTo', args: [1231, 32000] },
      { command: 'bezierCurveTo', args: [1123, 31892, 99.5, 30000, -1032, -200.25] },
      { command: 'closePath', args: [] },
    ] as const;
    expect(
      decode(
        charstring(
          path.map((c) => ({ ...c, args: [...c.args] })),
          500,
        ),
      ),
    ).toEqual([
      [21, [500, 100, -200]],
      [5, [1131, 0]],
      [5, [0, 32200]],
      [8, [-108, -108, -1023.5, -1892, -1131.5, -30200.25]],
      [14, []],
    ]);
    expect(decode(charstring([]))).toEqual([[14, []]]);
  });

  it("embeds a name in Chinese, Japanese and Korean in a few KiB per font, not the fonts' 40 KiB of emptied subroutines", async () => {
    const pack = buildEvidencePack({
      requestId: request.id,
      round: 1,
      entries: run({ extra: [{ type: 'people.named', people: [{ id: 'U06KIM', name: `${NAMES.other} さくら 田中` }] }] }).entries,
      generator: GENERATOR,
    });
    const raw = (await renderEvidencePdf(pack, { jsonSha256: sha256Hex(canonicalJson(pack)) })).toString('latin1');
    const cff = [...raw.matchAll(/\/Subtype \/CIDFontType0C\s*\/Length (\d+)/g)].map((m) => Number(m[1]));
    expect(cff.length).toBeGreaterThanOrEqual(2); // the Chinese font has the kana too
    for (const length of cff) expect(length).toBeLessThan(8 * 1024);
  });
});
