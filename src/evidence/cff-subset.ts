import type * as fontkit from 'fontkit';

/** The parts of fontkit's CFF subset (not in its types) that decide what is written. */
interface CffSubset {
  glyphs: number[];
  charstrings: Uint8Array[];
  gsubrs: Uint8Array[];
  subsetCharstrings(): void;
  subsetSubrs(subrs: unknown[], used: Record<number, boolean>): Uint8Array[];
}

interface CffTable {
  isCIDFont: boolean;
  fdForGlyph(gid: number): number | null;
  topDict: { Private?: PrivateDict | null; FDArray?: Array<{ Private?: PrivateDict | null }> };
}

interface PrivateDict {
  defaultWidthX?: number;
  nominalWidthX?: number;
}

interface PathCommand {
  command: 'moveTo' | 'lineTo' | 'bezierCurveTo' | 'quadraticCurveTo' | 'closePath';
  args: number[];
}

/**
 * Makes the font's subsets carry each glyph's outline with no subroutines. fontkit keeps every
 * subroutine slot of the original, emptied: the Noto CJK fonts have 22,000 in one font dict, so
 * three Chinese characters cost 40 KiB of the PDF and 70 ms. Written out, an outline is a few
 * hundred bytes. Hints go (a PDF needs none), widths come from the PDF's /W array, as for every
 * CIDFont. Fonts without CFF outlines (TrueType) are left as they are.
 *
 * `createSubset` and `subsetCharstrings` are fontkit's private API: package.json pins fontkit to
 * the exact version this was written against (2.0.4), and test/evidence/cff-subset.test.ts checks
 * the subsets it makes. Moving fontkit means reading its CFFSubset again.
 */
export function subsetWithoutSubroutines(font: fontkit.Font): void {
  const f = font as unknown as { 'CFF '?: CffTable; createSubset(): unknown };
  const cff = f['CFF '];
  if (!cff) return;
  const createSubset = f.createSubset.bind(font);
  f.createSubset = () => {
    const subset = createSubset() as CffSubset;
    subset.subsetCharstrings = function () {
      this.charstrings = this.glyphs.map((gid) => {
        const glyph = font.getGlyph(gid);
        // The width in the charstring, as the original has it: PDF/A wants it to match /W.
        const fd = cff.isCIDFont ? cff.fdForGlyph(gid) : null;
        const priv = (fd == null ? cff.topDict.Private : cff.topDict.FDArray?.[fd]?.Private) ?? {};
        const width = glyph.advanceWidth === (priv.defaultWidthX ?? 0) ? undefined : glyph.advanceWidth - (priv.nominalWidthX ?? 0);
        return charstring((glyph.path as unknown as { commands: PathCommand[] }).commands, width);
      });
      this.gsubrs = [];
    };
    subset.subsetSubrs = () => [];
    return subset;
  };
}

const RMOVETO = 21;
const RLINETO = 5;
const RRCURVETO = 8;
const ENDCHAR = 14;

/**
 * A Type 2 charstring drawing the path with relative moves, lines and curves only. `width` (the
 * advance less nominalWidthX) leads it when the advance is not the font dict's default.
 */
export function charstring(commands: PathCommand[], width?: number): Uint8Array {
  const out: number[] = [];
  if (width !== undefined) number(out, width);
  let x = 0;
  let y = 0;
  const to = (px: number, py: number) => {
    number(out, px - x);
    number(out, py - y);
    x = px;
    y = py;
  };
  for (const { command, args } of commands) {
    switch (command) {
      case 'moveTo':
        to(args[0]!, args[1]!);
        out.push(RMOVETO);
        break;
      case 'lineTo':
        to(args[0]!, args[1]!);
        out.push(RLINETO);
        break;
      case 'bezierCurveTo':
        to(args[0]!, args[1]!);
        to(args[2]!, args[3]!);
        to(args[4]!, args[5]!);
        out.push(RRCURVETO);
        break;
      case 'quadraticCurveTo': {
        // Not in CFF outlines; drawn as the cubic it equals, for completeness.
        const [qx, qy, ex, ey] = args as [number, number, number, number];
        const [sx, sy] = [x, y];
        to(sx + (2 / 3) * (qx - sx), sy + (2 / 3) * (qy - sy));
        to(ex + (2 / 3) * (qx - ex), ey + (2 / 3) * (qy - ey));
        to(ex, ey);
        out.push(RRCURVETO);
        break;
      }
      case 'closePath':
        // A charstring closes each contour by itself, at the next moveto and at endchar.
        break;
    }
  }
  out.push(ENDCHAR);
  return Uint8Array.from(out);
}

/** A charstring operand: the short integer forms where they fit, else 16.16 fixed point. */
function number(out: number[], value: number): void {
  const v = Math.round(value * 65536) / 65536;
  if (Number.isInteger(v) && v >= -107 && v <= 107) out.push(v + 139);
  else if (Number.isInteger(v) && v >= 108 && v <= 1131) out.push(((v - 108) >> 8) + 247, (v - 108) & 0xff);
  else if (Number.isInteger(v) && v >= -1131 && v <= -108) out.push(((-v - 108) >> 8) + 251, (-v - 108) & 0xff);
  else if (Number.isInteger(v) && v >= -32768 && v <= 32767) out.push(28, (v >> 8) & 0xff, v & 0xff);
  else {
    const fixed = Math.round(v * 65536) | 0;
    out.push(255, (fixed >>> 24) & 0xff, (fixed >>> 16) & 0xff, (fixed >>> 8) & 0xff, fixed & 0xff);
  }
}
