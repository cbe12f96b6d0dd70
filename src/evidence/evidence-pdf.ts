import type { EvidencePack } from './evidence-pack.js';
import type { BuiltPack, PackJob } from './render-jobs.js';
import { renderThread } from './render-thread.js';

/**
 * The evidence PDF of a pack (see pdf-document.ts for what it holds), drawn on the render thread:
 * the caller's event loop keeps answering Slack meanwhile.
 */
export function renderEvidencePdf(pack: EvidencePack, integrity: { jsonSha256: string; keyId?: string }): Promise<Buffer> {
  return renderThread.run('pdf', { pack, integrity });
}

/** The whole pack of a trail, its canonical JSON, that JSON's SHA-256 and the PDF, made on the render thread. */
export function renderEvidencePack(input: PackJob): Promise<BuiltPack> {
  return renderThread.run('pack', input);
}
