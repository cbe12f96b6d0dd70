import { canonicalJson, sha256Hex } from '../audit/audit-chain.js';
import { buildEvidencePack, type EvidencePack, type PackInput } from './evidence-pack.js';
import { drawEvidencePdf } from './pdf-document.js';

export interface PdfJob {
  pack: EvidencePack;
  integrity: { jsonSha256: string; keyId?: string };
}

export interface PackJob extends PackInput {
  /** The signing key's id, printed on every page; undefined for an unsigned pack. */
  keyId?: string;
}

/** What the caller needs of the pack besides its JSON: what the manifest signs and the trail records. */
export interface PackHead {
  request_id: string;
  round: number;
  chain: { head: string; length: number };
}

export interface BuiltPack {
  /** Only the head: the whole pack is the JSON, and copying it back between threads is a stall of its own. */
  pack: PackHead;
  /** The canonical JSON, the bytes that are hashed, signed and stored. */
  json: string;
  sha256: string;
  pdf: Buffer;
}

/**
 * What the render thread does, by name: plain functions of their input, so the thread and a test
 * run the same code. `pack` builds the whole pack from the trail (the JSON of a long trail is
 * tens of milliseconds too), `pdf` draws a pack that is already built.
 */
export const renderJobs = {
  pdf: ({ pack, integrity }: PdfJob): Promise<Buffer> => drawEvidencePdf(pack, integrity),
  pack: async ({ keyId, ...input }: PackJob): Promise<BuiltPack> => {
    const pack = buildEvidencePack(input);
    const json = canonicalJson(pack);
    const sha256 = sha256Hex(json);
    const head = { request_id: pack.request_id, round: pack.round, chain: { head: pack.chain.head, length: pack.chain.length } };
    return { pack: head, json, sha256, pdf: await drawEvidencePdf(pack, { jsonSha256: sha256, keyId }) };
  },
};

export type RenderJobs = typeof renderJobs;
export type RenderJobName = keyof RenderJobs;
