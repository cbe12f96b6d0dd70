import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../src/audit/audit-chain.js';
import { renderEvidencePdf } from '../../src/evidence/evidence-pdf.js';
import { buildEvidencePack } from '../../src/evidence/evidence-pack.js';
import { GENERATOR, people, request, run } from './pack-fixture.js';

/**
 * A person's name in each script, as Slack would show it. Those marked `shaped` are drawn in a
 * different order or form than they are written (vowel signs before their consonant, conjuncts,
 * stacked marks, emoji sequences), so the text copied out of the PDF is only right when each
 * shaped cluster maps back to the characters it came from.
 */
const NAMES: Array<{ script: string; name: string; shaped?: boolean; rtl?: boolean }> = [
  { script: 'Latin', name: 'Zoë Łukasiewicz' },
  { script: 'Greek', name: 'Σωκράτης Παπαδόπουλος' },
  { script: 'Cyrillic', name: 'Дмитрий Шостакович' },
  { script: 'Arabic', name: 'محمد علي', rtl: true },
  { script: 'Hebrew', name: 'דוד כהן', rtl: true },
  { script: 'Chinese', name: '李小龙' },
  { script: 'Japanese', name: '山田 さくら' },
  { script: 'Korean', name: '김민준' },
  { script: 'Armenian', name: 'Արամ Խաչատրյան' },
  { script: 'Georgian', name: 'გიორგი ბერიძე' },
  { script: 'Thai', name: 'สมชาย ใจดี', shaped: true },
  { script: 'Devanagari', name: 'स्मिता क्षत्रिय', shaped: true },
  { script: 'Bengali', name: 'সৌমিত্র চট্টোপাধ্যায়', shaped: true },
  { script: 'Tamil', name: 'கார்த்திக் சுப்பிரமணியம்', shaped: true },
  { script: 'emoji', name: 'Sam 🎉 Lee 👩‍💻 👍🏽', shaped: true },
];

async function printed(name: string): Promise<string> {
  const pack = buildEvidencePack({ requestId: request.id, round: 1, entries: run().entries, generator: GENERATOR });
  const pdf = await renderEvidencePdf({ ...pack, people: { ...people, U06KIM: name } }, { jsonSha256: sha256Hex(canonicalJson(pack)) });
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
  return text;
}

describe('every name prints', () => {
  it.each(NAMES)('a name in $script prints, and copies out of the PDF as it was written', async ({ name, shaped, rtl }) => {
    const text = await printed(name);
    expect(text).not.toContain('\u25A1');
    if (rtl) for (const word of name.split(' ')) expect(text.includes(word) || text.includes([...word].reverse().join('')), word).toBe(true);
    else expect(text.normalize('NFC')).toContain(`${name} (U06KIM)`);
  });
});
