type Doc = PDFKit.PDFDocument;

/** A glyph's placement from pdfkit's font, in thousandths of the font size. */
interface GlyphPosition {
  xAdvance: number;
  xOffset: number;
  yOffset: number;
  advanceWidth: number;
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

  constructor(private readonly doc: Doc) {}

  /** `lines` of runs, each with its baseline (top-down, as the layout counts). */
  write(lines: Array<{ baseline: number; runs: GlyphRun[] }>): void {
    const out: string[] = ['BT'];
    let current = '';
    for (const { baseline, runs } of lines) {
      for (const run of runs) {
        const font = this.font(run.font);
        const tf = `/${font.id} ${num(run.size)} Tf`;
        if (tf !== current) out.push((current = tf));
        this.show(out, font, run, baseline);
      }
    }
    out.push('ET');
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
  private show(out: string[], font: EmbeddedFont, run: GlyphRun, baseline: number): void {
    const [glyphs, positions] = font.encode(run.text);
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
      if (p.xOffset || p.yOffset) {
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
}
