import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson, sha256Hex } from '../audit/audit-chain.js';

/**
 * The detached manifest: it signs the SHA-256 of the pack JSON and of its PDF, and the chain head,
 * with Ed25519. The signature covers the manifest's other fields in canonical JSON. The public
 * key's fingerprint is there to name the key; a verifier trusts only the key it is given.
 * Version 1 manifests (before the PDF was signed) carry no `pdf` nor `pdf_sha256`.
 */
export interface PackManifest {
  manifest_version: '1' | '2';
  algorithm: 'Ed25519';
  pack: string;
  request_id: string;
  round: number;
  json_sha256: string;
  /** The PDF's file name and SHA-256: everything the PDF prints is signed with it. */
  pdf?: string;
  pdf_sha256?: string;
  chain_head: string;
  chain_length: number;
  key_id: string;
  public_key_sha256: string;
  signature: string;
}

export interface SigningKey {
  id: string;
  privateKey: KeyObject;
}

export function loadSigningKey(file: string, id: string): SigningKey {
  const privateKey = createPrivateKey(readFileSync(file));
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error(`OFFBOARD_SIGNING_KEY_FILE must hold an Ed25519 private key in PEM (npm run keygen makes one), not ${privateKey.asymmetricKeyType}`);
  return { id, privateKey };
}

/** SHA-256 of the DER public key: the same for a key however its PEM is wrapped. */
export function publicKeyFingerprint(key: KeyObject): string {
  return sha256Hex(key.export({ type: 'spki', format: 'der' }));
}

export function signPack(
  files: { json: string; pdf: Uint8Array; names: { json: string; pdf: string } },
  pack: { request_id: string; round: number; chain: { head: string; length: number } },
  key: SigningKey,
): PackManifest {
  const unsigned = {
    manifest_version: '2' as const,
    algorithm: 'Ed25519' as const,
    pack: files.names.json,
    request_id: pack.request_id,
    round: pack.round,
    json_sha256: sha256Hex(files.json),
    pdf: files.names.pdf,
    pdf_sha256: sha256Hex(files.pdf),
    chain_head: pack.chain.head,
    chain_length: pack.chain.length,
    key_id: key.id,
    public_key_sha256: publicKeyFingerprint(createPublicKey(key.privateKey)),
  };
  return { ...unsigned, signature: sign(null, Buffer.from(canonicalJson(unsigned)), key.privateKey).toString('base64') };
}

export type ManifestVerdict = { ok: true; keyId: string } | { ok: false; kind: 'pack_changed' | 'wrong_key' | 'bad_signature'; detail: string };

/**
 * Checks the manifest against the pack bytes (the JSON, and the PDF when the manifest signs one)
 * and the one public key the verifier trusts.
 */
export function verifyManifest(manifest: PackManifest, json: Uint8Array, chainHead: string, trusted: KeyObject, pdf?: Uint8Array): ManifestVerdict {
  if (sha256Hex(json) !== manifest.json_sha256)
    return { ok: false, kind: 'pack_changed', detail: 'the pack JSON is not the one the manifest signs (its SHA-256 differs)' };
  if (manifest.pdf_sha256 !== undefined && (!pdf || sha256Hex(pdf) !== manifest.pdf_sha256))
    return { ok: false, kind: 'pack_changed', detail: `the PDF is not the one the manifest signs (the SHA-256 of ${manifest.pdf ?? 'the PDF'} differs)` };
  if (chainHead !== manifest.chain_head)
    return { ok: false, kind: 'pack_changed', detail: 'the pack ends at another chain head than the one the manifest signs' };
  return verifySignature(manifest, trusted);
}

/** A bulk request's summary (src/evidence/batch-summary.ts), signed as packs are: its JSON's and its PDF's SHA-256, with Ed25519. */
export interface SummaryManifest {
  manifest_version: '2';
  algorithm: 'Ed25519';
  summary: string;
  batch_id: string;
  json_sha256: string;
  pdf: string;
  pdf_sha256: string;
  key_id: string;
  public_key_sha256: string;
  signature: string;
}

export function signSummary(files: { json: string; pdf: Uint8Array; names: { json: string; pdf: string } }, batchId: string, key: SigningKey): SummaryManifest {
  const unsigned = {
    manifest_version: '2' as const,
    algorithm: 'Ed25519' as const,
    summary: files.names.json,
    batch_id: batchId,
    json_sha256: sha256Hex(files.json),
    pdf: files.names.pdf,
    pdf_sha256: sha256Hex(files.pdf),
    key_id: key.id,
    public_key_sha256: publicKeyFingerprint(createPublicKey(key.privateKey)),
  };
  return { ...unsigned, signature: sign(null, Buffer.from(canonicalJson(unsigned)), key.privateKey).toString('base64') };
}

/** Checks a batch summary's manifest against its JSON and PDF bytes and the one public key the verifier trusts. */
export function verifySummaryManifest(manifest: SummaryManifest, json: Uint8Array, pdf: Uint8Array | undefined, trusted: KeyObject): ManifestVerdict {
  if (sha256Hex(json) !== manifest.json_sha256)
    return { ok: false, kind: 'pack_changed', detail: 'the summary JSON is not the one the manifest signs (its SHA-256 differs)' };
  if (!pdf || sha256Hex(pdf) !== manifest.pdf_sha256)
    return { ok: false, kind: 'pack_changed', detail: `the PDF is not the one the manifest signs (the SHA-256 of ${manifest.pdf} differs)` };
  return verifySignature(manifest, trusted);
}

/** Whether the trusted public key made the manifest's signature, over everything else it states. */
function verifySignature(manifest: { key_id: string; public_key_sha256: string; signature: string }, trusted: KeyObject): ManifestVerdict {
  if (publicKeyFingerprint(trusted) !== manifest.public_key_sha256)
    return { ok: false, kind: 'wrong_key', detail: `the manifest was signed with key "${manifest.key_id}", not with the trusted public key` };
  const { signature, ...unsigned } = manifest;
  const valid = verify(null, Buffer.from(canonicalJson(unsigned)), trusted, Buffer.from(signature, 'base64'));
  return valid
    ? { ok: true, keyId: manifest.key_id }
    : { ok: false, kind: 'bad_signature', detail: 'the manifest signature does not verify with the trusted public key' };
}
