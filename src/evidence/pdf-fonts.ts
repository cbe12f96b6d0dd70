import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';
import { subsetWithoutSubroutines } from './cff-subset.js';

/**
 * The Noto fonts the report embeds, in the order a character is looked up: Latin, Latin Extended,
 * Greek and Cyrillic first, then Hebrew, Arabic, and the CJK fonts (Chinese, then Japanese, then
 * Korean, so a Han character takes the Chinese form unless only another font has it).
 * pdfkit embeds only the glyphs used (a subset) of each font it is handed, and only the fonts
 * whose glyphs a report uses: an all-Latin report carries the two Latin faces alone.
 *
 * The Latin face is set from its character map alone (`cmapOnly`): its letters need no shaping to
 * be right, and OpenType shaping of every word (kerning, ligatures) was most of the time of a long
 * report. A combining accent is still placed (fontkit's Unicode fallback). The other faces are
 * shaped: Arabic and Hebrew need it.
 */
const require = createRequire(import.meta.url);
const fontsOf = (pkg: string) => join(dirname(require.resolve(pkg)), '..', 'fonts');

const FACES = [
  { name: 'latin', bold: 'NotoSans-Bold.ttf', regular: 'NotoSans-Regular.ttf', pkg: '@embedpdf/fonts-latin', cmapOnly: true },
  { name: 'hebrew', bold: 'NotoSansHebrew-Bold.ttf', regular: 'NotoSansHebrew-Regular.ttf', pkg: '@embedpdf/fonts-hebrew' },
  { name: 'arabic', bold: 'NotoNaskhArabic-Bold.ttf', regular: 'NotoNaskhArabic-Regular.ttf', pkg: '@embedpdf/fonts-arabic' },
  { name: 'sc', bold: 'NotoSansHans-Bold.otf', regular: 'NotoSansHans-Regular.otf', pkg: '@embedpdf/fonts-sc' },
  { name: 'jp', bold: 'NotoSansJP-Bold.otf', regular: 'NotoSansJP-Regular.otf', pkg: '@embedpdf/fonts-jp' },
  { name: 'kr', bold: 'NotoSansKR-Bold.otf', regular: 'NotoSansKR-Regular.otf', pkg: '@embedpdf/fonts-kr' },
] as const;

/** Printed for a character no bundled font has: visible, and never mistaken for a "?" in a name. */
export const PLACEHOLDER = '\u25A1';

type Font = fontkit.Font;

/** Parsed once per process: fontkit reads tables lazily, and a pdfkit document subsets from these. */
const loaded = new Map<string, Font>();

function open(face: (typeof FACES)[number], bold: boolean): Font {
  const file = bold ? face.bold : face.regular;
  const key = `${face.pkg}/${file}`;
  let font = loaded.get(key);
  if (!font) {
    const bytes = readFileSync(join(fontsOf(face.pkg), file));
    if ('cmapOnly' in face) hideLayoutTables(bytes);
    font = fontkit.create(bytes) as Font;
    subsetWithoutSubroutines(font);
    loaded.set(key, font);
  }
  return font;
}

/**
 * Renames the OpenType layout tables (GSUB, GPOS) in an sfnt's table directory, so fontkit sets the
 * text from the cmap and advance widths alone. Only the parsed copy changes: an embedded subset
 * never carries these tables anyway.
 */
function hideLayoutTables(bytes: Buffer): void {
  const tables = bytes.readUInt16BE(4);
  for (let i = 0; i < tables; i++) {
    const at = 12 + 16 * i;
    const tag = bytes.toString('latin1', at, at + 4);
    if (tag === 'GSUB' || tag === 'GPOS') bytes.write(tag.toLowerCase(), at, 'latin1');
  }
}

export interface FontRun {
  /** The name the font is registered under in the document. */
  font: string;
  text: string;
}

/** Advance widths of the printable ASCII characters at size 1, per font, read once per process. */
const asciiWidths = new Map<Font, Float64Array>();

function asciiWidth(font: Font, text: string): number {
  let widths = asciiWidths.get(font);
  if (!widths) {
    widths = new Float64Array(0x7f);
    for (let cp = 0x20; cp < 0x7f; cp++) widths[cp] = font.glyphForCodePoint(cp).advanceWidth / font.unitsPerEm;
    asciiWidths.set(font, widths);
  }
  let width = 0;
  for (let i = 0; i < text.length; i++) width += widths[text.charCodeAt(i)]!;
  return width;
}

const ASCII = /^[\x20-\x7e]*$/;

/** Splits text into runs of one font each; characters no font covers become the placeholder. */
export class FontBook {
  private readonly registered = new Map<string, Font>();
  private readonly segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

  constructor(private readonly doc: PDFKit.PDFDocument) {}

  runs(text: string, bold = false): FontRun[] {
    // Most of a report is ASCII, which the first face has whole.
    if (ASCII.test(text)) return [{ font: this.fontFor('a', bold)!, text }];
    const runs: FontRun[] = [];
    for (const { segment } of this.segmenter.segment(text)) {
      const name = this.fontFor(segment, bold) ?? this.fontFor(PLACEHOLDER, bold)!;
      const shown = this.fontFor(segment, bold) ? segment : PLACEHOLDER;
      const last = runs.at(-1);
      if (last && last.font === name) last.text += shown;
      else runs.push({ font: name, text: shown });
    }
    return runs;
  }

  /** The first face whose font has every code point of the grapheme, registered on first use. */
  private fontFor(grapheme: string, bold: boolean): string | undefined {
    const points = [...grapheme].map((c) => c.codePointAt(0)!).filter((cp) => cp !== 0x200d && (cp < 0xfe00 || cp > 0xfe0f));
    for (const face of FACES) {
      const font = open(face, bold);
      if (!points.every((cp) => font.hasGlyphForCodePoint(cp))) continue;
      // Registered under its PostScript name: pdfkit caches a font by the name it was asked for, and
      // re-opens (re-parses, re-subsets) one whose PostScript name it already holds under another
      // name, as it does the document's default font, at every switch.
      const name = font.postscriptName;
      if (!this.registered.has(name)) {
        // pdfkit accepts a fontkit font; the cast is for its types, which only list paths and buffers.
        this.doc.registerFont(name, font as unknown as string);
        this.registered.set(name, font);
      }
      return name;
    }
    return undefined;
  }

  /**
   * The run's width at size 1. ASCII (in the Latin face, set from its cmap) is the sum of its
   * advance widths, read once per process; anything else is measured as pdfkit will set it.
   */
  width(run: FontRun): number {
    const font = this.registered.get(run.font);
    if (font && ASCII.test(run.text)) return asciiWidth(font, run.text);
    return this.doc.font(run.font).fontSize(1).widthOfString(run.text);
  }
}

/** The regular Latin face: the document's first font, so no unembedded standard font is ever set. */
export const defaultFont = (): Font => open(FACES[0], false);
