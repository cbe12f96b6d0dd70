import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';
import { subsetWithoutSubroutines } from './cff-subset.js';
import { loadShaping, Shaper, shapingLoaded } from './pdf-shaping.js';

/**
 * The Noto fonts the report embeds, in the order a character is looked up: Latin, Latin Extended,
 * Greek and Cyrillic first, then Hebrew, Arabic, the CJK fonts (Chinese, then Japanese, then Korean,
 * so a Han character takes the Chinese form unless only another font has it), Armenian, Georgian,
 * Thai, Devanagari, Bengali, Tamil, and emoji last (in outline: a PDF font has one colour).
 * pdfkit embeds only the glyphs used (a subset) of each font it is handed, and only the fonts
 * whose glyphs a report uses: an all-Latin report carries the two Latin faces alone.
 *
 * The Latin face is set from its character map alone (`cmapOnly`): its letters need no shaping to
 * be right, and OpenType shaping of every word (kerning, ligatures) was most of the time of a long
 * report. A combining accent is still placed (fontkit's Unicode fallback). Armenian, Georgian,
 * Hebrew, Arabic and CJK are shaped by fontkit, which shapes them right; Thai, the Indic scripts
 * and emoji sequences by HarfBuzz (`harfbuzz`), as fontkit does not reorder Indic vowel signs or
 * form their conjuncts.
 */
const resolver = createRequire(import.meta.url);
/** A file relative to the folder of the package's main module. */
const fileOf = (pkg: string, file: string) => join(dirname(resolver.resolve(pkg)), file);

const embedpdf = (name: string, pkg: string, family: string, ext = 'ttf') => ({
  name,
  pkg,
  regular: `../fonts/${family}-Regular.${ext}`,
  bold: `../fonts/${family}-Bold.${ext}`,
});
/** Google Fonts' static TTFs as Expo packages them: one folder per weight. */
const google = (name: string, pkg: string, family: string) => ({
  name,
  pkg: `@expo-google-fonts/${pkg}`,
  regular: `400Regular/${family}_400Regular.ttf`,
  bold: `700Bold/${family}_700Bold.ttf`,
});

interface Face {
  name: string;
  pkg: string;
  regular: string;
  bold: string;
  cmapOnly?: boolean;
  harfbuzz?: boolean;
  /** Characters the face has but cannot set right, left to a later face. */
  refuses?: RegExp;
}

const FACES: Face[] = [
  // Noto Sans has Devanagari too, which set from the cmap alone comes out in the wrong order.
  { ...embedpdf('latin', '@embedpdf/fonts-latin', 'NotoSans'), cmapOnly: true, refuses: /\p{Script=Devanagari}/u },
  embedpdf('hebrew', '@embedpdf/fonts-hebrew', 'NotoSansHebrew'),
  embedpdf('arabic', '@embedpdf/fonts-arabic', 'NotoNaskhArabic'),
  embedpdf('sc', '@embedpdf/fonts-sc', 'NotoSansHans', 'otf'),
  embedpdf('jp', '@embedpdf/fonts-jp', 'NotoSansJP', 'otf'),
  embedpdf('kr', '@embedpdf/fonts-kr', 'NotoSansKR', 'otf'),
  google('armenian', 'noto-sans-armenian', 'NotoSansArmenian'),
  google('georgian', 'noto-sans-georgian', 'NotoSansGeorgian'),
  { ...google('thai', 'noto-sans-thai', 'NotoSansThai'), harfbuzz: true },
  { ...google('devanagari', 'noto-sans-devanagari', 'NotoSansDevanagari'), harfbuzz: true },
  { ...google('bengali', 'noto-sans-bengali', 'NotoSansBengali'), harfbuzz: true },
  { ...google('tamil', 'noto-sans-tamil', 'NotoSansTamil'), harfbuzz: true },
  { ...google('emoji', 'noto-emoji', 'NotoEmoji'), harfbuzz: true },
];

// biome-ignore lint/suspicious/noControlCharactersInRegex: the range is all of ASCII, control characters included, on purpose
const NOT_ASCII = /[^\x00-\x7f]/;

/**
 * Loads HarfBuzz before drawing a pack that has a character a face HarfBuzz shapes will set: a
 * report without any (most of them) never loads it. Judged by character, not grapheme (segmenting
 * every string of a long pack took longer than drawing it); should a grapheme still reach such a
 * face unloaded, fontkit sets it unshaped.
 */
export async function prepareShaping(pack: unknown): Promise<void> {
  if (someString(pack, (s) => NOT_ASCII.test(s) && needsShaping(s))) await loadShaping();
}

/** Per character, whether a face HarfBuzz shapes sets it: the same for the life of the process. */
const shapedChars = new Map<string, boolean>();

function needsShaping(text: string): boolean {
  for (const char of text) {
    if (char <= '\x7f') continue;
    let shaped = shapedChars.get(char);
    if (shaped === undefined) {
      shaped = faceFor(char, false)?.harfbuzz ?? false;
      shapedChars.set(char, shaped);
    }
    if (shaped) return true;
  }
  return false;
}

/** The first face whose font has every code point of the grapheme. */
function faceFor(grapheme: string, bold: boolean): Face | undefined {
  const points = [...grapheme].map((c) => c.codePointAt(0)!).filter((cp) => cp !== 0x200d && (cp < 0xfe00 || cp > 0xfe0f));
  return FACES.find((face) => !face.refuses?.test(grapheme) && points.every((cp) => open(face, bold).hasGlyphForCodePoint(cp)));
}

function someString(value: unknown, test: (s: string) => boolean): boolean {
  if (typeof value === 'string') return test(value);
  if (value && typeof value === 'object') return Object.values(value).some((v) => someString(v, test));
  return false;
}

/** Printed for a character no bundled font has: visible, and never mistaken for a "?" in a name. */
export const PLACEHOLDER = '\u25A1';

type Font = fontkit.Font;

/** A face's font, parsed once per process: fontkit reads tables lazily, and a pdfkit document subsets from these. */
class Loaded {
  private shaperMade?: Shaper;

  constructor(
    readonly font: Font,
    private readonly bytes: Buffer,
    private readonly harfbuzz: boolean,
  ) {}

  /** Made on first use: looking for a character's font opens faces a report may never set. */
  get shaper(): Shaper | undefined {
    if (!this.harfbuzz || !shapingLoaded()) return undefined;
    if (!this.shaperMade) {
      // Noto draws its joiners visibly (for showing them); a zero-width space, where it has one, is empty.
      const blank = [0x200b, 0x200d, 0x200c].map((cp) => this.font.glyphForCodePoint(cp)).find((g) => g.id && !g.advanceWidth && !g.path.commands.length);
      this.shaperMade = new Shaper(this.bytes, blank?.id);
    }
    return this.shaperMade;
  }
}

const loaded = new Map<string, Loaded>();

function load(face: Face, bold: boolean): Loaded {
  const file = bold ? face.bold : face.regular;
  const key = `${face.pkg}/${file}`;
  let entry = loaded.get(key);
  if (!entry) {
    const bytes = readFileSync(fileOf(face.pkg, file));
    if (face.cmapOnly) hideLayoutTables(bytes);
    const font = fontkit.create(bytes) as Font;
    subsetWithoutSubroutines(font);
    entry = new Loaded(font, bytes, face.harfbuzz !== undefined);
    loaded.set(key, entry);
  }
  return entry;
}

const open = (face: Face, bold: boolean): Font => load(face, bold).font;

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
  private readonly registered = new Map<string, Loaded>();
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
    const face = faceFor(grapheme, bold);
    if (!face) return undefined;
    const entry = load(face, bold);
    // Registered under its PostScript name: pdfkit caches a font by the name it was asked for, and
    // re-opens (re-parses, re-subsets) one whose PostScript name it already holds under another
    // name, as it does the document's default font, at every switch.
    const name = entry.font.postscriptName;
    if (!this.registered.has(name)) {
      // pdfkit accepts a fontkit font; the cast is for its types, which only list paths and buffers.
      this.doc.registerFont(name, entry.font as unknown as string);
      this.registered.set(name, entry);
    }
    return name;
  }

  /**
   * The run's width at size 1. ASCII (in the Latin face, set from its cmap) is the sum of its
   * advance widths, read once per process; text HarfBuzz shapes is as wide as it placed it;
   * anything else is measured as pdfkit will set it.
   */
  width(run: FontRun): number {
    const entry = this.registered.get(run.font);
    if (entry && ASCII.test(run.text)) return asciiWidth(entry.font, run.text);
    if (entry?.shaper) return entry.shaper.shape(run.text).reduce((sum, glyph) => sum + glyph.xAdvance, 0) / entry.font.unitsPerEm;
    return this.doc.font(run.font).fontSize(1).widthOfString(run.text);
  }

  /** The HarfBuzz shaper of a registered font that pdfkit and fontkit do not shape right. */
  shaperOf(name: string): Shaper | undefined {
    return this.registered.get(name)?.shaper;
  }
}

/** The regular Latin face: the document's first font, so no unembedded standard font is ever set. */
export const defaultFont = (): Font => open(FACES[0]!, false);
