/**
 * npm run verify -- <request id>                      the trail in Redis (REDIS_URL, REDIS_PREFIX)
 * npm run verify -- <pack.json> --manifest <pack.manifest.json> --public-key <public.pem> [--pdf <pack.pdf>]
 * npm run verify -- <pack.json> --allow-unsigned     the chain alone, knowingly
 *
 * The PDF the manifest signs is read beside the JSON under the name the manifest gives, unless --pdf says where.
 * Prints one verdict line and exits with the code of its kind (src/verify/exit-codes.ts, docs/operations.md).
 */
import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { AuditTrail } from '../audit/audit-trail.js';
import type { PackManifest, SummaryManifest } from '../evidence/pack-signing.js';
import { REQUEST_ID } from '../requests/request.js';
import { Keys } from '../redis.js';
import { EXIT } from './exit-codes.js';
import { verifyPackFile, verifyStoredTrail, verifySummaryFile, type Verdict } from './verify-pack.js';

const USAGE =
  'Usage: npm run verify -- <request id | pack.json> [--manifest <pack.manifest.json> --public-key <public.pem> [--pdf <pack.pdf>] | --allow-unsigned]';

async function main(): Promise<Verdict> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { manifest: { type: 'string' }, 'public-key': { type: 'string' }, pdf: { type: 'string' }, 'allow-unsigned': { type: 'boolean' } },
    });
  } catch (err) {
    return { code: EXIT.usage, message: `${(err as Error).message}\n${USAGE}` };
  }
  const { positionals, values } = parsed;
  const target = positionals[0];
  if (!target || positionals.length > 1) return { code: EXIT.usage, message: USAGE };
  if (Boolean(values.manifest) !== Boolean(values['public-key']))
    return { code: EXIT.usage, message: `--manifest needs --public-key: only a key you trust can prove who signed.\n${USAGE}` };
  if (values.manifest && values['allow-unsigned']) return { code: EXIT.usage, message: `--allow-unsigned is for a pack without a manifest.\n${USAGE}` };
  if (values.pdf && !values.manifest)
    return { code: EXIT.usage, message: `--pdf is checked against the manifest: pass --manifest and --public-key too.\n${USAGE}` };
  if (REQUEST_ID.test(target)) {
    if (values.manifest) return { code: EXIT.usage, message: `A manifest signs an exported pack: pass the pack's JSON file, not the request id.\n${USAGE}` };
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      const { entries, head } = await new AuditTrail(redis, new Keys(process.env.REDIS_PREFIX ?? 'offboard')).chain(target);
      return verifyStoredTrail(target, entries, head);
    } finally {
      redis.disconnect();
    }
  }
  const read = async (path: string) => readFile(path).catch(() => undefined);
  const bytes = await read(target);
  if (!bytes) return { code: EXIT.notFound, message: `Cannot read ${target}: not a request id (OFF-XXXXXX) nor a readable file.` };
  if (!values.manifest || !values['public-key']) return verifyPackFile(bytes, { allowUnsigned: values['allow-unsigned'] === true });
  const [manifestBytes, pem] = await Promise.all([read(values.manifest), read(values['public-key'])]);
  if (!manifestBytes || !pem) return { code: EXIT.notFound, message: `Cannot read ${!manifestBytes ? values.manifest : values['public-key']}.` };
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as PackManifest | SummaryManifest;
  // Only the file name is taken from the manifest: a path in it could point anywhere.
  const pdfPath = values.pdf ?? (manifest.pdf ? join(dirname(target), basename(manifest.pdf)) : undefined);
  const pdf = pdfPath ? await read(pdfPath) : undefined;
  if (manifest.pdf_sha256 && !pdf)
    return { code: EXIT.notFound, message: `Cannot read ${pdfPath ?? 'the PDF'}: the manifest signs the PDF too; put it beside the JSON or pass --pdf.` };
  let publicKey;
  try {
    publicKey = createPublicKey(pem);
  } catch {
    return { code: EXIT.usage, message: `${values['public-key']} is not a public key in PEM.` };
  }
  if ('batch_id' in manifest) return verifySummaryFile(bytes, manifest, publicKey, pdf);
  return verifyPackFile(bytes, { manifest, publicKey, ...(pdf ? { pdf } : {}) });
}

main().then(
  ({ code, message }) => {
    (code === EXIT.intact ? console.log : console.error)(message);
    process.exit(code);
  },
  (err: unknown) => {
    console.error(`verify could not run: ${(err as Error).message}`);
    process.exit(EXIT.error);
  },
);
