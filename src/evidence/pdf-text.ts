import { maskSecrets } from '../redact.js';
import type { FontBook, FontRun } from './pdf-fonts.js';
import { GlyphWriter, type GlyphRun } from './pdf-glyphs.js';

type Doc = PDFKit.PDFDocument;

export interface TextStyle {
  size?: number;
  bold?: boolean;
  color?: string;
}

/** A word (never split: ids stay whole) or the space after it, measured in its own size. */
type MeasuredRun = FontRun & { unit: number };

interface Token {
  runs: MeasuredRun[];
  width: number;
  size: number;
  space: boolean;
}

export interface Line {
  tokens: Token[];
  width: number;
}

/** Below this a word that does not fit is split after all; no id in the report gets near it. */
const MIN_SHRUNK_SIZE = 3;
export const LINE_HEIGHT = 1.3;

/**
 * Measures and draws text on a pdfkit document without pdfkit's own line breaking, which breaks
 * after hyphens (inside transaction and account ids) and knows one font per call. Lines break at
 * white space only; a word wider than the line is set smaller until it fits, so an id copied from
 * the PDF is the id in the trail. Every string is masked here, where text enters the PDF, for secret
 * values and secret-shaped tokens only: free text was masked as it entered the trail, and a guess
 * at random-looking strings would take the ids the PDF is there to show for keys.
 */
export class TextSetter {
  private readonly shaped = new Map<string, { runs: MeasuredRun[]; unit: number }>();
  /** The fill colour text last set, and on which page (each page starts black). */
  private painted: { page: PDFKit.PDFPage; color: string } | undefined;

  private readonly glyphs: GlyphWriter;

  constructor(
    private readonly doc: Doc,
    private readonly fonts: FontBook,
  ) {
    this.glyphs = new GlyphWriter(doc, fonts);
  }

  lines(text: string, width: number, style: TextStyle = {}): Line[] {
    const size = style.size ?? 10;
    const lines: Line[] = [];
    for (const paragraph of maskSecrets(text)
      .replace(/[\t\r]/g, ' ')
      .split('\n')) {
      let line: Line = { tokens: [], width: 0 };
      for (const part of paragraph.split(/( +)/).filter(Boolean)) {
        const space = part.trim() === '';
        if (space && line.tokens.length === 0) continue;
        let token = this.token(part, size, style.bold ?? false, space);
        if (!space && line.width + token.width > width && line.tokens.length) {
          lines.push(trimEnd(line));
          line = { tokens: [], width: 0 };
        }
        if (!space && token.width > width) {
          const shrunk = (size * width) / token.width;
          if (shrunk >= MIN_SHRUNK_SIZE) token = this.token(part, shrunk, style.bold ?? false, false);
          else {
            for (const piece of this.split(part, size, style.bold ?? false, width)) {
              if (line.tokens.length) lines.push(trimEnd(line));
              line = { tokens: [piece], width: piece.width };
            }
            continue;
          }
        }
        line.tokens.push(token);
        line.width += token.width;
      }
      lines.push(trimEnd(line));
    }
    return lines;
  }

  height(lines: Line[], style: TextStyle = {}): number {
    return lines.length * (style.size ?? 10) * LINE_HEIGHT;
  }

  /** Draws lines from the top-left corner (x, y); returns the y below them. */
  draw(lines: Line[], x: number, y: number, style: TextStyle = {}, align: 'left' | 'right' = 'left', width = 0): number {
    const size = style.size ?? 10;
    const lineHeight = size * LINE_HEIGHT;
    this.fill(style.color ?? '#1f2328');
    const drawn: Array<{ baseline: number; runs: GlyphRun[] }> = [];
    for (const line of lines) {
      let cx = align === 'right' ? x + width - line.width : x;
      // Words and spaces of one font and size are one run: a line of a table is a handful of them.
      const runs: GlyphRun[] = [];
      for (const token of line.tokens) {
        for (const run of token.runs) {
          const last = runs.at(-1);
          if (last && last.font === run.font && last.size === token.size) last.text += run.text;
          else runs.push({ font: run.font, size: token.size, text: run.text, x: cx });
          cx += run.unit * token.size;
        }
      }
      drawn.push({ baseline: y + size * 0.98, runs });
      y += lineHeight;
    }
    this.glyphs.write(drawn);
    return y;
  }

  /**
   * Something other than text painted with a fill colour (a table row, a box): the next text sets
   * its own colour again instead of trusting the last one it set.
   */
  fillChanged(): void {
    this.painted = undefined;
  }

  /** pdfkit writes a colour at every call; a long report repeats the same one tens of thousands of times. */
  private fill(color: string): void {
    if (this.painted?.page === this.doc.page && this.painted.color === color) return;
    this.doc.fillColor(color);
    this.painted = { page: this.doc.page, color };
  }

  private token(text: string, size: number, bold: boolean, space: boolean): Token {
    const key = `${bold ? 'b' : 'r'}${text}`;
    let shaped = this.shaped.get(key);
    if (!shaped) {
      // Widths scale with the size, so one measurement at size 1 serves every size; words repeat a lot.
      const runs = this.fonts.runs(text, bold).map((run) => ({ ...run, unit: this.fonts.width(run) }));
      shaped = { runs, unit: runs.reduce((sum, run) => sum + run.unit, 0) };
      this.shaped.set(key, shaped);
    }
    return { runs: shaped.runs, width: shaped.unit * size, size, space };
  }

  /** A word too long even when shrunk (free text, never an id): split between characters. */
  private split(word: string, size: number, bold: boolean, width: number): Token[] {
    const pieces: Token[] = [];
    let current = '';
    for (const { segment } of new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(word)) {
      if (current && this.token(current + segment, size, bold, false).width > width) {
        pieces.push(this.token(current, size, bold, false));
        current = '';
      }
      current += segment;
    }
    if (current) pieces.push(this.token(current, size, bold, false));
    return pieces;
  }
}

function trimEnd(line: Line): Line {
  while (line.tokens.at(-1)?.space) line.width -= line.tokens.pop()!.width;
  return line;
}
