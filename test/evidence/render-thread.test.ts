import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../src/audit/audit-chain.js';
import { renderEvidencePack, renderEvidencePdf } from '../../src/evidence/evidence-pdf.js';
import { buildEvidencePack, type EvidencePack } from '../../src/evidence/evidence-pack.js';
import { RenderThread } from '../../src/evidence/render-thread.js';
import { GENERATOR, request, run } from './pack-fixture.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const packOf = (padding = 0) => buildEvidencePack({ requestId: request.id, round: 1, entries: run({ padding }).entries, generator: GENERATOR });
const integrity = (pack: EvidencePack) => ({ jsonSha256: sha256Hex(canonicalJson(pack)) });

/** Resolves after `hops` turns of this thread's event loop. */
async function turns(hops: number): Promise<'turned'> {
  for (let i = 0; i < hops; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  return 'turned';
}

describe('the evidence render thread', () => {
  it('draws the PDF off this thread: its event loop keeps turning while a 500-entry pack is drawn', async () => {
    const pack = packOf(460);
    await renderEvidencePdf(pack, integrity(pack)); // the thread is started and warm
    const rendering = renderEvidencePdf(pack, integrity(pack)).then(() => 'rendered' as const);
    // Drawn on this thread, the render would be done before the loop turned even once.
    expect(await Promise.race([rendering, turns(20)])).toBe('turned');
    expect(await rendering).toBe('rendered');
  }, 60_000);

  it('makes the whole pack there: the JSON, its SHA-256 and a PDF that holds the sections', async () => {
    const input = { requestId: request.id, round: 1, entries: run().entries, generator: GENERATOR, keyId: 'ops-2025' };
    const built = await renderEvidencePack(input);
    expect(built.json).toBe(canonicalJson(buildEvidencePack(input)));
    expect(built.sha256).toBe(sha256Hex(built.json));
    expect(Buffer.isBuffer(built.pdf)).toBe(true);
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(built.pdf)), { mergePages: true });
    for (const section of ['Summary', 'Timeline', 'Per-system detail', 'Integrity']) expect(text).toContain(section);
    expect(text).toContain(`JSON SHA-256 ${built.sha256}`);
    expect(text).toContain('Signing key ops-2025');
  });

  it('rejects with the error the render thread met, and renders the next pack as usual', async () => {
    await expect(renderEvidencePdf({ request_id: 'OFF-BROKEN' } as EvidencePack, { jsonSha256: 'x' })).rejects.toThrow(/Cannot read properties of undefined/);
    const pack = packOf();
    expect((await renderEvidencePdf(pack, integrity(pack))).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('rejects what a thread that died had in hand, and starts a new thread for the next job', async () => {
    const thread = new RenderThread(new URL('./fixtures/dying-worker.mjs', import.meta.url));
    const pack = packOf();
    await expect(thread.run('pdf', { pack, integrity: integrity(pack) })).rejects.toThrow('the evidence render thread exited (code 3) before it finished');
    await expect(thread.run('pdf', { pack, integrity: integrity(pack) })).rejects.toThrow('exited (code 3)');
    await thread.close();
  });

  it('keeps its thread while jobs keep coming, ends it once idle for idleMs, and starts a new one for the next job', async () => {
    const thread = new RenderThread(new URL('./fixtures/which-thread.mjs', import.meta.url), { idleMs: 300 });
    const pack = packOf();
    const which = async () => (await thread.run('pdf', { pack, integrity: integrity(pack) })) as unknown as { threadId: number };
    const first = await which();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await which()).threadId).toBe(first.threadId);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await which()).threadId).not.toBe(first.threadId);
    await thread.close();
  });

  it("caps the thread's young generation, which V8 would otherwise let grow to 48 MiB of mostly garbage", async () => {
    const thread = new RenderThread(new URL('./fixtures/which-thread.mjs', import.meta.url));
    const pack = packOf();
    const { resourceLimits } = (await thread.run('pdf', { pack, integrity: integrity(pack) })) as unknown as {
      resourceLimits: { maxYoungGenerationSizeMb: number };
    };
    expect(resourceLimits.maxYoungGenerationSizeMb).toBeLessThanOrEqual(12);
    await thread.close();
  });

  it('rejects jobs in flight when closed', async () => {
    const thread = new RenderThread(new URL('../../src/evidence/render-worker.mjs', import.meta.url));
    const pack = packOf();
    const rejected = expect(thread.run('pdf', { pack, integrity: integrity(pack) })).rejects.toThrow(
      'the evidence render thread was closed before it finished',
    );
    await thread.close();
    await rejected;
  });

  it('loads under the tsx CLI (as npm start runs the bot) and does not hold the process open once done', async () => {
    const cli = createRequire(import.meta.url).resolve('tsx/cli');
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'test/evidence/fixtures/render-and-exit.ts'], { cwd: ROOT, timeout: 60_000 });
    expect(stdout).toMatch(/^rendered %PDF- \d+ bytes$/m);
  }, 70_000);
});
