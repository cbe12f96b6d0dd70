import type * as HarfBuzz from 'harfbuzzjs';

/** HarfBuzz (WebAssembly: 13 ms and 7 MiB to load), loaded for the first report that needs it. */
let hb: typeof HarfBuzz | undefined;

export async function loadShaping(): Promise<void> {
  hb ??= await import('harfbuzzjs');
}

export const shapingLoaded = (): boolean => hb !== undefined;

/** One glyph as HarfBuzz placed it, in font units, with the characters it stands for. */
export interface ShapedGlyph {
  id: number;
  /** The characters this glyph stands for when the text is copied (see `carried`); '' for none. */
  text: string;
  xAdvance: number;
  xOffset: number;
  yOffset: number;
}

const MAX_CACHED = 2000;
const MARK = /\p{Mn}/u;

/**
 * Shapes text with HarfBuzz, for the scripts fontkit does not shape right: in Devanagari, Bengali
 * and Tamil a vowel sign is drawn before the consonant it follows, conjuncts take one glyph, and
 * Thai marks stack. The glyphs come back in drawn order, each carrying characters of its cluster
 * (what HarfBuzz could not split further: a consonant with its vowel signs), so the PDF's text
 * layer says what the name says.
 */
export class Shaper {
  private readonly hb: typeof HarfBuzz;
  private readonly font: HarfBuzz.Font;
  private readonly buffer: HarfBuzz.Buffer;
  /** A word is measured, then drawn: shaped once. Kept per process, so bounded. */
  private readonly shaped = new Map<string, ShapedGlyph[]>();

  /** `blank`: a glyph of the font that draws nothing and does not advance (an empty zero-width space or joiner). */
  constructor(
    bytes: Uint8Array,
    private readonly blank?: number,
  ) {
    if (!hb) throw new Error('HarfBuzz is not loaded: await loadShaping() before drawing text it shapes');
    this.hb = hb;
    this.font = new hb.Font(new hb.Face(new hb.Blob(bytes)));
    this.buffer = new hb.Buffer();
  }

  shape(text: string): ShapedGlyph[] {
    let glyphs = this.shaped.get(text);
    if (!glyphs) {
      glyphs = this.run(text);
      if (this.shaped.size >= MAX_CACHED) this.shaped.clear();
      this.shaped.set(text, glyphs);
    }
    return glyphs;
  }

  private run(text: string): ShapedGlyph[] {
    const buffer = this.buffer;
    buffer.reset();
    buffer.addText(text);
    buffer.guessSegmentProperties();
    this.hb.shape(this.font, buffer);
    const infos = buffer.getGlyphInfos();
    const positions = buffer.getGlyphPositions();
    // A cluster's value is the offset of its first UTF-16 unit; left to right, so each ends where the next larger one starts.
    const starts = [...new Set(infos.map((info) => info.cluster))].sort((a, b) => a - b);
    const glyphs: ShapedGlyph[] = [];
    for (let i = 0; i < infos.length; ) {
      const cluster = infos[i]!.cluster;
      let n = 0;
      while (infos[i + n]?.cluster === cluster) n++;
      const written = text.slice(cluster, starts[starts.indexOf(cluster) + 1] ?? text.length);
      // A vowel drawn in two parts (Bengali ো, Tamil ொ) is two characters in its canonical decomposition.
      let chars = units(written);
      if (n > chars.length) chars = units(written.normalize('NFD'));
      for (let k = 0; k < n; k++) {
        const p = positions[i + k]!;
        glyphs.push({ id: infos[i + k]!.codepoint, text: carried(chars, n, k), xAdvance: p.xAdvance, xOffset: p.xOffset, yOffset: p.yOffset });
      }
      i += n;
    }
    // A mark placed off its pen position (over the letter before it) is drawn, not written: a reader
    // copying text takes a glyph that far from where the last one ended for a space. Its characters
    // go to the glyph before it, which comes before it in the text too.
    let carrier: ShapedGlyph | undefined;
    for (const glyph of glyphs) {
      if ((glyph.xOffset || glyph.yOffset) && carrier) {
        carrier.text += glyph.text;
        glyph.text = '';
      } else if (glyph.text) carrier = glyph;
    }
    return glyphs.flatMap((glyph) => this.marksApart(glyph));
  }

  /**
   * A reader copying text (pdf.js) counts a glyph whose text holds a non-spacing mark as taking no
   * room, and from there on takes the gap it thinks it sees for a space. So a glyph that does take
   * room keeps the characters up to its first such mark, and the marks (with what follows them)
   * ride on the font's blank glyph, which takes none.
   */
  private marksApart(glyph: ShapedGlyph): ShapedGlyph[] {
    if (!glyph.xAdvance || this.blank === undefined || !MARK.test(glyph.text)) return [glyph];
    const chars = [...glyph.text];
    const lead = chars.findIndex((c) => !MARK.test(c));
    const before = lead === -1 ? chars : chars.slice(0, lead);
    const rest = lead === -1 ? [] : chars.slice(lead);
    const mark = rest.findIndex((c) => MARK.test(c));
    const after = mark === -1 ? [] : rest.slice(mark);
    const own = mark === -1 ? rest : rest.slice(0, mark);
    const blank = (text: string[]) => (text.length ? [{ id: this.blank!, text: text.join(''), xAdvance: 0, xOffset: 0, yOffset: 0 }] : []);
    return [...blank(before), { ...glyph, text: own.join('') }, ...blank(after)];
  }
}

/** A character with the non-spacing marks after it: what one glyph carries at the least (see `marksApart`). */
const units = (text: string): string[] => text.match(/\P{Mn}\p{Mn}*|\p{Mn}+/gu) ?? [];

/**
 * The characters glyph `k` of a cluster's `n` carries when copied: a unit each, in order, the last
 * carrier taking the rest, so the glyphs read in drawn order give the cluster as written. A cluster
 * with more glyphs than units leaves the extra glyphs with none.
 */
function carried(chars: string[], n: number, k: number): string {
  const carriers = Math.min(n, chars.length);
  if (k >= carriers) return '';
  return k === carriers - 1 ? chars.slice(k).join('') : chars[k]!;
}
