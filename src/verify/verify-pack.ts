import type { KeyObject } from 'node:crypto';
import type { ChainEntry } from '../audit/audit-chain.js';
import { canonicalJson } from '../audit/audit-chain.js';
import { verifyChain } from '../audit/verify-chain.js';
import { buildEvidencePack, REBUILDS_AS, type EvidencePack } from '../evidence/evidence-pack.js';
import { type PackManifest, type SummaryManifest, verifyManifest, verifySummaryManifest } from '../evidence/pack-signing.js';
import { CHAIN_EXIT, EXIT } from './exit-codes.js';

const SIGNATURE_EXIT = { pack_changed: EXIT.packChanged, wrong_key: EXIT.wrongKey, bad_signature: EXIT.badSignature } as const;

export interface Verdict {
  code: number;
  message: string;
}

/** A trail read from Redis: intact, or the first entry that breaks. */
export function verifyStoredTrail(requestId: string, entries: ChainEntry[], head?: { head: string; length: number }): Verdict {
  if (!entries.length) return { code: EXIT.notFound, message: `No audit trail for ${requestId} under this REDIS_URL and REDIS_PREFIX.` };
  const verdict = verifyChain(requestId, entries, head);
  if (verdict.intact) return { code: EXIT.intact, message: `INTACT: the trail of ${requestId} has ${verdict.entries} entries, chain head ${verdict.head}.` };
  return { code: CHAIN_EXIT[verdict.kind], message: `BROKEN (${verdict.kind}) at entry ${verdict.index + 1} (${verdict.seq}): ${verdict.detail}.` };
}

/** How an exported pack is checked: against a manifest and the key the verifier trusts, or knowingly without. */
export type PackCheck = { manifest: PackManifest; publicKey: KeyObject; pdf?: Uint8Array } | { allowUnsigned: boolean };

/**
 * An exported pack: its chain, then every other part of it against what its trail gives, then the
 * signature (over the JSON and the PDF) with the public key the verifier trusts. A pack without a
 * manifest fails unless the verifier allows it: only the signature covers what lies outside the
 * chain (the generator, the PDF), and an unsigned trail can be rewritten and re-linked whole.
 */
export function verifyPackFile(bytes: Uint8Array, check: PackCheck = { allowUnsigned: false }): Verdict {
  let pack: EvidencePack;
  try {
    pack = JSON.parse(Buffer.from(bytes).toString('utf8')) as EvidencePack;
  } catch {
    return { code: EXIT.packMismatch, message: 'NOT A PACK: the file is not valid JSON (a changed byte breaks it).' };
  }
  if (pack?.kind !== 'offboarding-evidence-pack' || !Array.isArray(pack.chain?.entries))
    return { code: EXIT.notFound, message: 'NOT A PACK: the file is not an offboarding evidence pack.' };
  const chain = verifyChain(pack.request_id, pack.chain.entries, { head: pack.chain.head, length: pack.chain.length });
  if (!chain.intact) return { code: CHAIN_EXIT[chain.kind], message: `BROKEN (${chain.kind}) at entry ${chain.index + 1} (${chain.seq}): ${chain.detail}.` };
  const rebuilt = buildEvidencePack({
    requestId: pack.request_id,
    round: pack.round,
    entries: pack.chain.entries,
    generator: pack.generator,
    checked: pack.chain.checked,
    // A pack of an earlier version the builder still gives is rebuilt as that version.
    ...(REBUILDS_AS.includes(pack.schema_version) ? { schemaVersion: pack.schema_version } : {}),
  });
  if (canonicalJson(rebuilt) !== canonicalJson(pack))
    return { code: EXIT.packMismatch, message: 'CHANGED: the pack says something its own trail does not (a part outside the chain was edited).' };
  const intact = `INTACT: ${pack.request_id} round ${pack.round}, ${chain.entries} entries, chain head ${chain.head}`;
  if ('allowUnsigned' in check) {
    if (check.allowUnsigned)
      return {
        code: EXIT.intact,
        message: `${intact}. UNSIGNED, allowed by --allow-unsigned: a trail rewritten and re-linked whole would also pass, and the PDF is not checked.`,
      };
    return {
      code: EXIT.unsigned,
      message: `UNSIGNED: ${intact.slice('INTACT: '.length)} links up, but nothing proves who made it: a trail rewritten and re-linked whole passes the chain. Pass --manifest and --public-key, or --allow-unsigned to accept the chain alone.`,
    };
  }
  const verdict = verifyManifest(check.manifest, bytes, pack.chain.head, check.publicKey, check.pdf);
  if (verdict.ok)
    return {
      code: EXIT.intact,
      message: `${intact}, signed by the trusted key (key id ${verdict.keyId})${check.manifest.pdf_sha256 ? `, PDF ${check.manifest.pdf} included` : '; this version 1 manifest does not sign the PDF'}.`,
    };
  return { code: SIGNATURE_EXIT[verdict.kind], message: `SIGNATURE FAILED (${verdict.kind}): ${verdict.detail}.` };
}

/**
 * A bulk request's summary (src/evidence/batch-summary.ts) and its manifest: the JSON's and the PDF's
 * SHA-256 and the signature, with the public key the verifier trusts. The summary holds no trail: each
 * pack it lists is checked on its own.
 */
export function verifySummaryFile(json: Uint8Array, manifest: SummaryManifest, publicKey: KeyObject, pdf: Uint8Array | undefined): Verdict {
  const verdict = verifySummaryManifest(manifest, json, pdf, publicKey);
  if (!verdict.ok) return { code: SIGNATURE_EXIT[verdict.kind], message: `SIGNATURE FAILED (${verdict.kind}): ${verdict.detail}.` };
  return {
    code: EXIT.intact,
    message: `INTACT: summary of bulk request ${manifest.batch_id}, JSON and PDF signed with key ${verdict.keyId}. Check each pack it lists with its own manifest.`,
  };
}
