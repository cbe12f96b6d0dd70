import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../src/audit/audit-chain.js';
import { renderEvidencePdf } from '../../src/evidence/evidence-pdf.js';
import { buildEvidencePack } from '../../src/evidence/evidence-pack.js';
import { FontBook } from '../../src/evidence/pdf-fonts.js';
import { loadShaping, Shaper } from '../../src/evidence/pdf-shaping.js';
import { GENERATOR, people, request, run } from './pack-fixture.js';

/**
 * A person's name in each script, as Slack would show it, with the font of its own that sets it
 * where the first fonts do not. Thai, the Indic scripts and emoji sequences are drawn in a
 * different order or form than they are written (vowel signs before their consonant, conjuncts,
 * stacked marks, one glyph for a sequence), so the text copied out of the PDF is only right when
 * each shaped cluster maps back to the characters it came from.
 */
const NAMES: Array<{ script: string; name: string; font?: string; rtl?: boolean }> = [
  { script: 'Latin', name: 'Zoë Łukasiewicz' },
  { script: 'Greek', name: 'Σωκράτης Παπαδόπουλος' },
  { script: 'Cyrillic', name: 'Дмитрий Шостакович' },
  { script: 'Arabic', name: 'محمد علي', rtl: true },
  { script: 'Hebrew', name: 'דוד כהן', rtl: true },
  { script: 'Chinese', name: '李小龙' },
  { script: 'Japanese', name: '山田 さくら' },
  { script: 'Korean', name: '김민준' },
  { script: 'Armenian', name: 'Արամ Խաչատրյան', font: 'NotoSansArmenian' },
  { script: 'Georgian', name: 'გიორგი ბერიძე', font: 'NotoSansGeorgian' },
  { script: 'Thai', name: 'สมชาย ใจดี', font: 'NotoSansThai' },
  { script: 'Devanagari', name: 'स्मिता क्षत्रिय', font: 'NotoSansDevanagari' },
  { script: 'Bengali', name: 'সৌমিত্র চট্টোপাধ্যায়', font: 'NotoSansBengali' },
  { script: 'Tamil', name: 'கார்த்திக் சுப்பிரமணியம்', font: 'NotoSansTamil' },
  { script: 'emoji', name: 'Sam 🎉 Lee 👩‍💻 👍🏽 🇺🇸', font: 'NotoEmoji' },
];

async function printed(name: string): Promise<{ text: string; fonts: string[] }> {
  const pack = buildEvidencePack({ requestId: request.id, round: 1, entries: run().entries, generator: GENERATOR });
  const pdf = await renderEvidencePdf({ ...pack, people: { ...people, U06KIM: name } }, { jsonSha256: sha256Hex(canonicalJson(pack)) });
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
  const fonts = [...pdf.toString('latin1').matchAll(/\/Type \/Font\s*\/Subtype \/Type0\s*\/BaseFont \/\w+\+([\w-]+)/g)].map((m) => m[1]!);
  return { text, fonts };
}

const require = createRequire(import.meta.url);
const devanagari = readFileSync(join(dirname(require.resolve('@expo-google-fonts/noto-sans-devanagari')), '400Regular/NotoSansDevanagari_400Regular.ttf'));

describe('every name prints', () => {
  it.each(NAMES)('a name in $script prints, and copies out of the PDF as it was written', async ({ name, font, rtl }) => {
    const { text, fonts } = await printed(name);
    expect(text).not.toContain('\u25A1');
    // Set in its own script's font, the one that draws and shapes it (not a font that merely has the characters).
    if (font)
      expect(
        fonts.some((f) => f.startsWith(font)),
        fonts.join(' '),
      ).toBe(true);
    if (rtl) for (const word of name.split(' ')) expect(text.includes(word) || text.includes([...word].reverse().join('')), word).toBe(true);
    // A vowel drawn in two parts (Bengali ৌ) copies as the two characters it is canonically made of.
    else expect(text.normalize('NFC')).toContain(`${name} (U06KIM)`);
  });

  it('draws a Devanagari vowel sign before the consonant it follows, and a conjunct as one glyph', async () => {
    await loadShaping();
    const font = fontkit.create(devanagari) as fontkit.Font;
    const glyph = (char: string) => font.glyphForCodePoint(char.codePointAt(0)!).id;
    const ki = new Shaper(devanagari).shape('कि').map((g) => g.id);
    expect(ki).toHaveLength(2);
    expect(ki[1]).toBe(glyph('क'));
    expect(font.getGlyph(ki[0]!).name).toMatch(/^uni093F/);
    const kssa = new Shaper(devanagari).shape('क्ष');
    expect(kssa).toHaveLength(1);
    expect(kssa[0]!.text).toBe('क्ष');
  });

  it('sets Latin, Greek and Cyrillic names in the Latin face alone: a report without other scripts embeds no other font', () => {
    const book = new FontBook(new PDFDocument());
    const names = ['Zoë Łukasiewicz', 'Σωκράτης Παπαδόπουλος', 'Дмитрий Шостакович', 'Nguyễn Thị Minh Khai'];
    const fonts = new Set(names.flatMap((name) => book.runs(name).map((run) => run.font)));
    expect([...fonts]).toEqual(['NotoSans-Regular']);
  });
});
