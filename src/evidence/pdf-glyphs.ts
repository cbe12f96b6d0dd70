import type { FontBook } from './pdf-fonts.js';
import type { ShapedGlyph } from './pdf-shaping.js';

type Doc = PDFKit.PDFDocument;

/** A glyph's placement from pdfkit's font, in thousandths of the font size. */
interface GlyphPosition {
  xAdvance: number;
  xOffset: number;
  yOffset: number;
  advanceWidth: number;
  /** A shaped glyph that stands for no character (see `encodeShaped`): drawn as its outline, by glyph id. */
  outline?: number;
}

/**
 * pdfkit's embedded font underneath `doc.font(name)`, not in its types: `encode` is what its own
 * `text()` uses (glyph ids as hex, added to the subset with their widths and Unicode values).
 */
interface EmbeddedFont {
  id: string;
  encode(text: string): [string[], GlyphPosition[]];
  ref(): unknown;
}

/** The parts of pdfkit's embedded font and fontkit's subset (pinned) that decide which glyphs a PDF font holds. */
interface SubsetFont extends EmbeddedFont {
  font: { unitsPerEm: number; getGlyph(id: number): { advanceWidth: number; path: { commands: PathCommand[] } } };
  scale: number;
  subset: { glyphs: number[]; mapping: Record<number, number>; includeGlyph(id: number): number };
  unicode: number[][];
  widths: number[];
}

/** One piece of a line: a run of one font at one size, starting at x. */
export interface GlyphRun {
  font: string;
  size: number;
  text: string;
  x: number;
}

const num = (n: number): string => String(Math.round(n * 1000) / 1000);

/**
 * Writes text straight into the page: one text object per call, however many runs and lines,
 * each run positioned where the layout measured it. pdfkit's `text()` wraps every call in its own
 * graphics state and text object and lays the string out three times (twice to measure it); for
 * a 500-entry report that was half the drawing time and a fifth of the file. The text is the same
 * (same fonts, glyphs, ToUnicode map and positions), so it copies out of the PDF as before.
 */
export class GlyphWriter {
  private readonly fonts = new Map<string, EmbeddedFont>();
  /** Per embedded font, the PDF glyph (CID) of each glyph id copied out as each text. */
  private readonly cids = new Map<EmbeddedFont, Map<string, number>>();

  constructor(
    private readonly doc: Doc,
    private readonly book: FontBook,
  ) {}

  /** `lines` of runs, each with its baseline (top-down, as the layout counts). */
  write(lines: Array<{ baseline: number; runs: GlyphRun[] }>): void {
    const out: string[] = ['BT'];
    const outlines: string[] = [];
    let current = '';
    for (const { baseline, runs } of lines) {
      for (const run of runs) {
        const font = this.font(run.font);
        const tf = `/${font.id} ${num(run.size)} Tf`;
        if (tf !== current) {
          current = tf;
          out.push(tf);
        }
        this.show(out, outlines, font, run, baseline);
      }
    }
    out.push('ET', ...outlines);
    if (out.length > 2) this.doc.addContent(out.join('\n'));
  }

  private font(name: string): EmbeddedFont {
    let font = this.fonts.get(name);
    if (!font) {
      this.doc.font(name);
      font = (this.doc as unknown as { _font: EmbeddedFont })._font;
      this.fonts.set(name, font);
    }
    // The page lists the fonts it uses; pdfkit embeds each font (its subset) once, at the end.
    this.doc.page.fonts[font.id] ??= font.ref();
    return font;
  }

  /**
   * The page's coordinates run top-down (pdfkit flips them once per page), so the text matrix
   * flips back: glyphs stand upright, and a y here is the layout's own.
   */
  private show(out: string[], outlines: string[], font: EmbeddedFont, run: GlyphRun, baseline: number): void {
    const shaper = this.book.shaperOf(run.font);
    const [glyphs, positions] = shaper ? this.encodeShaped(font as SubsetFont, shaper.shape(run.text)) : font.encode(run.text);
    const scale = run.size / 1000;
    const at = (x: number, y: number) => out.push(`1 0 0 -1 ${num(x)} ${num(y)} Tm`);
    const parts: string[] = [];
    let hex = '';
    const flush = () => {
      if (hex) parts.push(`<${hex}>`);
      if (parts.length) out.push(`[${parts.join(' ')}] TJ`);
      parts.length = 0;
      hex = '';
    };
    let x = run.x;
    let moved = false;
    at(x, baseline);
    glyphs.forEach((glyph, i) => {
      const p = positions[i]!;
      if (p.outline !== undefined) {
        // Drawn after the text; the text runs on without a move (a reader takes a move for a space).
        outlines.push(outline(font as SubsetFont, p.outline, x + p.xOffset * scale, baseline - p.yOffset * scale, run.size));
        if (p.xAdvance) {
          if (moved) at(x, baseline);
          moved = false;
          parts.push(...(hex ? [`<${hex}>`] : []), num(-p.xAdvance));
          hex = '';
        }
      } else if (p.xOffset || p.yOffset) {
        // A mark placed off the pen position (an accent on its base letter): positioned alone.
        flush();
        at(x + p.xOffset * scale, baseline - p.yOffset * scale);
        out.push(`[<${glyph}>] TJ`);
        moved = true;
      } else {
        if (moved) at(x, baseline);
        moved = false;
        hex += glyph;
        // Kerning: the advance differs from the glyph's width in the font.
        if (p.xAdvance !== p.advanceWidth) {
          parts.push(`<${hex}> ${num(p.advanceWidth - p.xAdvance)}`);
          hex = '';
        }
      }
      x += p.xAdvance * scale;
    });
    flush();
  }

  /**
   * Glyphs HarfBuzz placed, as pdfkit's `encode` returns them. A PDF font maps each of its glyphs
   * to one text for copying (ToUnicode), but a shaped glyph stands for different text in different
   * clusters (a Devanagari vowel sign drawn first carries its whole syllable; elsewhere the same
   * glyph carries another): each such use gets its own copy of the glyph in the subset. A glyph
   * that carries no character cannot be text (a PDF reader copies an empty mapping as the glyph's
   * number), so it is drawn as its outline.
   */
  private encodeShaped(font: SubsetFont, shaped: ShapedGlyph[]): [string[], GlyphPosition[]] {
    const cids = this.cids.get(font) ?? new Map();
    this.cids.set(font, cids);
    const hex: string[] = [];
    const positions: GlyphPosition[] = [];
    for (const glyph of shaped) {
      const key = `${glyph.id}:${glyph.text}`;
      const position = { xAdvance: glyph.xAdvance * font.scale, xOffset: glyph.xOffset * font.scale, yOffset: glyph.yOffset * font.scale, advanceWidth: 0 };
      if (!glyph.text) {
        hex.push('');
        positions.push({ ...position, outline: glyph.id });
        continue;
      }
      let cid = cids.get(key);
      if (cid === undefined) {
        const { subset } = font;
        cid = subset.mapping[glyph.id] === undefined ? subset.includeGlyph(glyph.id) : subset.glyphs.push(glyph.id) - 1;
        font.widths[cid] = font.font.getGlyph(glyph.id).advanceWidth * font.scale;
        font.unicode[cid] = [...glyph.text].map((c) => c.codePointAt(0)!);
        cids.set(key, cid);
      }
      hex.push(cid.toString(16).padStart(4, '0'));
      positions.push({ ...position, advanceWidth: font.widths[cid]! });
    }
    return [hex, positions];
  }
}

interface PathCommand {
  command: 'moveTo' | 'lineTo' | 'bezierCurveTo' | 'quadraticCurveTo' | 'closePath';
  args: number[];
}

/** A glyph's outline filled at pen position (x, y) in the current fill colour, upright on the flipped page. */
function outline(font: SubsetFont, id: number, x: number, y: number, size: number): string {
  const s = size / font.font.unitsPerEm;
  const ops: string[] = [`q ${s.toFixed(6)} 0 0 ${(-s).toFixed(6)} ${num(x)} ${num(y)} cm`];
  let [cx, cy] = [0, 0];
  for (const { command, args: a } of font.font.getGlyph(id).path.commands) {
    if (command === 'moveTo') ops.push(`${a[0]} ${a[1]} m`);
    else if (command === 'lineTo') ops.push(`${a[0]} ${a[1]} l`);
    else if (command === 'bezierCurveTo') ops.push(`${a.join(' ')} c`);
    else if (command === 'quadraticCurveTo') {
      // The cubic a TrueType quadratic equals.
      const [qx, qy, ex, ey] = a as [number, number, number, number];
      const third = (from: number, to: number) => num(from + (2 / 3) * (to - from));
      ops.push(`${third(cx, qx)} ${third(cy, qy)} ${third(ex, qx)} ${third(ey, qy)} ${ex} ${ey} c`);
    } else ops.push('h');
    if (a.length >= 2) [cx, cy] = [a.at(-2)!, a.at(-1)!];
  }
  ops.push('f Q');
  return ops.join('\n');
}
