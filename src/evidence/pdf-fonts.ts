import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';

/**
 * The Noto fonts the report embeds, in the order a character is looked up: Latin, Latin Extended,
 * Greek and Cyrillic first, then Hebrew, Arabic, and the CJK fonts (Chinese, then Japanese, then
 * Korean, so a Han character takes the Chinese form unless only another font has it).
 * pdfkit embeds only the glyphs used (a subset) of each font it is handed.
 */
const require = createRequire(import.meta.url);
const fontsOf = (pkg: string) => join(dirname(require.resolve(pkg)), '..', 'fonts');

const FACES = [
  { name: 'latin', bold: 'NotoSans-Bold.ttf', regular: 'NotoSans-Regular.ttf', pkg: '@embedpdf/fonts-latin' },
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

function open(pkg: string, file: string): Font {
  const key = `${pkg}/${file}`;
  let font = loaded.get(key);
  if (!font) {
    font = fontkit.openSync(join(fontsOf(pkg), file)) as Font;
    loaded.set(key, font);
  }
  return font;
}

export interface FontRun {
  /** The name the font is registered under in the document. */
  font: string;
  text: string;
}

/** Splits text into runs of one font each; characters no font covers become the placeholder. */
export class FontBook {
  private readonly registered = new Set<string>();
  private readonly segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

  constructor(private readonly doc: PDFKit.PDFDocument) {}

  runs(text: string, bold = false): FontRun[] {
    // Most of a report is ASCII, which the first face has whole.
    if (/^[\x20-\x7e]*$/.test(text)) return [{ font: this.fontFor('a', bold)!, text }];
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
      const file = bold ? face.bold : face.regular;
      const font = open(face.pkg, file);
      if (!points.every((cp) => font.hasGlyphForCodePoint(cp))) continue;
      const name = `${face.name}${bold ? '-bold' : ''}`;
      if (!this.registered.has(name)) {
        // pdfkit accepts a fontkit font; the cast is for its types, which only list paths and buffers.
        this.doc.registerFont(name, font as unknown as string);
        this.registered.add(name);
      }
      return name;
    }
    return undefined;
  }
}

/** The regular Latin face's file: the document's first font, so no unembedded standard font is ever set. */
export const defaultFontFile = (): string => join(fontsOf(FACES[0].pkg), FACES[0].regular);
