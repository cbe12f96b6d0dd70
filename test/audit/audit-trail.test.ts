import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { canonicalJson, entryHash, linkEntries } from '../../src/audit/audit-chain.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { verifyChain } from '../../src/audit/verify-chain.js';
import { buildEvidencePack } from '../../src/evidence/evidence-pack.js';
import { signPack } from '../../src/evidence/pack-signing.js';
import { verifyPackFile } from '../../src/verify/verify-pack.js';
import { Keys } from '../../src/redis.js';
import { GENERATOR, NAMES, request, run } from '../evidence/pack-fixture.js';

const exec = promisify(execFile);
let redis: Redis;
let dir: string;

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
  dir = await mkdtemp(join(tmpdir(), 'verify-'));
});
afterAll(async () => {
  await redis.quit();
});

/** `npm run verify` as an auditor runs it: its exit code and what it printed. */
async function verify(args: string[], prefix = 'unused'): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await exec('npx', ['tsx', 'src/verify/verify-cli.ts', ...args], {
      env: { ...process.env, REDIS_URL: inject('redisUrl'), REDIS_PREFIX: prefix },
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stderr: string; stdout: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

async function recordedTrail(events = 6) {
  const prefix = `t${randomUUID().slice(0, 8)}`;
  const keys = new Keys(prefix);
  const trail = new AuditTrail(redis, keys);
  for (let i = 0; i < events; i++) await trail.append(request.id, { type: 'step.started', stepId: `ibm-cloud.acct.step-${i}`, attempt: 1 });
  return { prefix, key: keys.audit(request.id), trail };
}

/** A well-linked forged entry after one with these fields: only the entry after it shows it. */
function forgedAfter(fields: string[]): [string, string[]] {
  const f = Object.fromEntries(fields.flatMap((v, i) => (i % 2 ? [] : [[v, fields[i + 1]!]])));
  const event = { type: 'step.started', stepId: 'forged', attempt: 1 };
  return ['0-0', ['at', f.at!, 'event', JSON.stringify(event), 'prev', f.hash!, 'hash', entryHash(f.hash!, f.at!, event)]];
}

/** Rewrites the stream as someone with Redis access could: same ids, entries edited, dropped, added or moved. */
async function rewrite(key: string, edit: (entries: [string, string[]][]) => [string, string[]][]) {
  const entries = (await redis.xrange(key, '-', '+')) as [string, string[]][];
  const edited = edit(entries);
  await redis.del(key);
  let ms = 1;
  for (const [, fields] of edited) await redis.xadd(key, `${ms++}-0`, ...fields);
}

describe('the hash-chained audit trail', () => {
  it('never forks when two workers append at once', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const other = new Redis(inject('redisUrl'));
    const a = new AuditTrail(redis, new Keys(prefix));
    const b = new AuditTrail(other, new Keys(prefix));
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).append(request.id, { type: 'step.started', stepId: `s${i}`, attempt: 1 })));
    await other.quit();
    const { entries, head } = await a.chain(request.id);
    expect(entries).toHaveLength(40);
    expect(verifyChain(request.id, entries, head)).toMatchObject({ intact: true, entries: 40 });
  });

  it('links each of many appends at once from one process on its first try', async () => {
    const { key, trail } = await recordedTrail(1);
    const scripts = await commandsOn('evalsha', key, () =>
      Promise.all(Array.from({ length: 20 }, (_, i) => trail.append(request.id, { type: 'step.started', stepId: `s${i}`, attempt: 1 }))),
    );
    expect(scripts).toHaveLength(20);
    const { entries, head } = await trail.chain(request.id);
    expect(verifyChain(request.id, entries, head)).toMatchObject({ intact: true, entries: 21 });
  });

  it('gives the same verdict checked on from a part known intact as checked whole, whatever broke after it', () => {
    const records = Array.from({ length: 8 }, (_, i) => ({
      seq: `${i + 1}-0`,
      at: `2026-01-01T00:00:0${i}.000Z`,
      event: { type: 'step.started', stepId: `s${i}`, attempt: 1 },
    }));
    const entries = linkEntries(request.id, records);
    const known = { entries: 3, head: entries[2]!.hash };
    const head = { head: entries.at(-1)!.hash, length: entries.length };
    const broken = [
      entries,
      entries.map((e, i) => (i === 5 ? { ...e, event: { ...e.event, attempt: 9 } } : e)),
      entries.filter((_, i) => i !== 5),
      [...entries.slice(0, 4), entries[5]!, entries[4]!, ...entries.slice(6)],
      entries.slice(0, -2),
    ];
    for (const chain of broken) expect(verifyChain(request.id, chain, head, known)).toEqual(verifyChain(request.id, chain, head));
    expect(verifyChain(request.id, broken[1]!, head, known)).toMatchObject({ intact: false, kind: 'changed', index: 5 });
  });

  it('is reported intact by npm run verify', async () => {
    const { prefix } = await recordedTrail();
    const result = await verify([request.id], prefix);
    expect(result).toMatchObject({ code: 0 });
    expect(result.out).toContain('INTACT');
  }, 30_000);

  it.each([
    [
      'changed',
      10,
      'entry 3',
      (e: [string, string[]][]) => e.map((x, i) => (i === 2 ? [x[0], x[1].map((f) => f.replace('"attempt":1', '"attempt":9'))] : x)) as [string, string[]][],
    ],
    ['removed', 11, 'entry 3', (e: [string, string[]][]) => e.filter((_, i) => i !== 2)],
    ['inserted', 12, 'entry 3', (e: [string, string[]][]) => [...e.slice(0, 2), forgedAfter(e[1]![1]), ...e.slice(2)]],
    ['reordered', 13, 'entry 3', (e: [string, string[]][]) => [...e.slice(0, 2), e[3]!, e[2]!, ...e.slice(4)]],
  ])(
    'fails at the right entry when one entry is %s in Redis',
    async (kind, code, where, edit) => {
      const { prefix, key } = await recordedTrail();
      await rewrite(key, edit);
      const result = await verify([request.id], prefix);
      expect(result.code).toBe(code);
      expect(result.out).toContain(`BROKEN (${kind}) at ${where}`);
    },
    30_000,
  );

  it('fails when entries are cut from the end, which no link can show', async () => {
    const { prefix, key } = await recordedTrail();
    await rewrite(key, (e) => e.slice(0, -2));
    expect((await verify([request.id], prefix)).code).toBe(11);
  }, 30_000);
});

/** The `command`s Redis receives naming `key` while `during` runs: the arguments after the key. */
async function commandsOn(command: string, key: string, during: () => Promise<unknown>): Promise<string[][]> {
  const monitor = await new Redis(inject('redisUrl')).monitor();
  const asked: string[][] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    const at = args.indexOf(key);
    if (args[0]?.toLowerCase() === command && at > 0) asked.push(args.slice(at + 1));
  });
  try {
    await during();
    // MONITOR reports a command after it ran: one more round trip lets the last ones arrive.
    await redis.ping();
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    monitor.disconnect();
  }
  return asked;
}

describe('reading a trail for a run', () => {
  it('reads on from the last entry it read, and gives what a fresh read of the whole trail gives', async () => {
    const { prefix, key, trail } = await recordedTrail(4);
    const first = await trail.read(request.id);
    const lastSeq = first.at(-1)!.seq;
    await trail.append(request.id, { type: 'step.started', stepId: 'ibm-cloud.acct.later', attempt: 2 });
    let again: Awaited<ReturnType<AuditTrail['read']>> = [];
    const asked = await commandsOn('xrange', key, async () => {
      again = await trail.read(request.id);
    });
    // One range, starting right after the entry read before: the four already read are not fetched again.
    const [ms, n] = lastSeq.split('-');
    expect(asked).toEqual([[`${ms}-${Number(n) + 1}`, '+']]);
    expect(again).toEqual(await new AuditTrail(redis, new Keys(prefix)).read(request.id));
    expect(again.map((r) => r.type === 'step.started' && r.stepId)).toEqual([
      ...first.map((r) => r.type === 'step.started' && r.stepId),
      'ibm-cloud.acct.later',
    ]);
  });

  it('reads the whole trail again when entries it read are gone, or the next entry does not link to the last one read', async () => {
    const { prefix, key, trail } = await recordedTrail(5);
    await trail.read(request.id);
    await rewrite(key, (e) => e.filter((_, i) => i !== 2));
    expect(await trail.read(request.id)).toEqual(await new AuditTrail(redis, new Keys(prefix)).read(request.id));
    expect(await trail.read(request.id)).toHaveLength(4);

    const other = await recordedTrail(3);
    await other.trail.read(request.id);
    // The stream made again with one entry more, every id before the last one read: nothing after it, yet more entries than read.
    await rewrite(other.key, (e) => [...e, forgedAfter(e[0]![1])]);
    const whole = await other.trail.read(request.id);
    expect(whole).toEqual(await new AuditTrail(redis, new Keys(other.prefix)).read(request.id));
    expect(whole.map((r) => r.seq)).toEqual(['1-0', '2-0', '3-0', '4-0']);
  });

  it('hands every caller records none of them can change', async () => {
    const { trail } = await recordedTrail(2);
    const records = await trail.read(request.id);
    expect(() => {
      (records[0] as { type: string }).type = 'step.verified';
    }).toThrow(TypeError);
    records.pop();
    expect(await trail.read(request.id)).toHaveLength(2);
  });
});

describe('npm run verify on an exported pack', () => {
  const pack = buildEvidencePack({ requestId: request.id, round: 1, entries: run().entries, generator: GENERATOR });
  const json = canonicalJson(pack);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const wrong = generateKeyPairSync('ed25519').publicKey;
  // verify reads only the PDF's bytes: any bytes stand for it.
  const pdf = Buffer.from('%PDF-1.7 the evidence as drawn');
  const manifest = signPack({ json, pdf, names: { json: 'pack.json', pdf: 'pack.pdf' } }, pack, { id: 'ops-2025', privateKey });
  const file = async (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };
  const trustedKey = () => file('pub.pem', publicKey.export({ type: 'spki', format: 'pem' }).toString());
  /** The pack, its manifest and its PDF in a folder of their own, as an auditor receives them. */
  async function signedFolder(name: string, files: { json?: string; pdf?: Buffer | null } = {}) {
    await mkdir(join(dir, name), { recursive: true });
    if (files.pdf !== null) await file(join(name, 'pack.pdf'), files.pdf ?? pdf);
    return [
      await file(join(name, 'pack.json'), files.json ?? json),
      '--manifest',
      await file(join(name, 'pack.manifest.json'), JSON.stringify(manifest)),
      '--public-key',
      await trustedKey(),
    ];
  }

  it('says intact and signed by the trusted key, the PDF beside the JSON included', async () => {
    const result = await verify(await signedFolder('intact'));
    expect(result.code).toBe(0);
    expect(result.out).toContain('signed by the trusted key (key id ops-2025), PDF pack.pdf included');
  }, 30_000);

  it('fails a pack whose PDF was modified, or is missing, though its JSON is the signed one', async () => {
    const modified = await verify(await signedFolder('pdf-modified', { pdf: Buffer.from('%PDF-1.7 the evidence as forged') }));
    const missing = await verify(await signedFolder('pdf-missing', { pdf: null }));
    expect(modified.code).toBe(20);
    expect(modified.out).toContain('the PDF is not the one the manifest signs');
    expect(missing.code).toBe(3);
  }, 60_000);

  it('still verifies a pack exported as schema 1.3 or 1.4, before steps could be "not checked" or the bot rotated anything (its trail rebuilds it whole), and fails one stating an older version', () => {
    expect(pack.schema_version).toBe('1.7');
    // As those versions wrote it: without the deletion stated on its own (1.7).
    const { deletion: _, ...before } = pack;
    const as = (version: string) => Buffer.from(canonicalJson({ ...before, schema_version: version }));
    expect(verifyPackFile(as('1.3'), { allowUnsigned: true })).toMatchObject({ code: 0 });
    expect(verifyPackFile(as('1.4'), { allowUnsigned: true })).toMatchObject({ code: 0 });
    expect(verifyPackFile(as('1.2'), { allowUnsigned: true })).toMatchObject({ code: 14 });
  });

  it('fails an unsigned pack unless --allow-unsigned is given', async () => {
    const path = await file('unsigned.json', json);
    const refused = await verify([path]);
    const allowed = await verify([path, '--allow-unsigned']);
    expect(refused.code).toBe(23);
    expect(refused.out).toContain('UNSIGNED');
    expect(allowed.code).toBe(0);
    expect(allowed.out).toContain('INTACT');
  }, 60_000);

  it('fails an unsigned pack whose approver was rewritten and whose chain was re-linked, which the chain alone cannot see', async () => {
    const records = run().entries.map(({ seq, at, event }) => ({
      seq,
      at,
      event: event.type === 'request.approved' ? { ...event, actor: 'U0MALLORY' } : event,
    }));
    const forged = buildEvidencePack({ requestId: request.id, round: 1, entries: linkEntries(request.id, records), generator: GENERATOR });
    const path = await file('relinked.json', canonicalJson(forged));

    const result = await verify([path]);

    expect(forged.approvals[0]?.by).toBe('U0MALLORY');
    expect(result.code).toBe(23);
    expect(result.out).not.toContain('INTACT');
    // Against the manifest of the true pack, the forgery is named for what it is.
    expect((await verify(await signedFolder('relinked', { json: canonicalJson(forged) }))).code).toBe(20);
  }, 60_000);

  it('fails a pack whose printed names were rewritten: the names come from the chain, not from the people map', async () => {
    const renamed = { ...pack, people: { ...pack.people, U09SEC: 'Mallory Impostor' } };
    expect(pack.people.U09SEC).toBe(NAMES.approver);

    const result = await verify([await file('renamed.json', canonicalJson(renamed)), '--allow-unsigned']);

    expect(result.code).toBe(14);
  }, 30_000);

  it.each([
    [
      'changed',
      10,
      (p: typeof pack) => ({ ...p, chain: { ...p.chain, entries: p.chain.entries.map((e, i) => (i === 4 ? { ...e, at: '2025-01-01T00:00:00.000Z' } : e)) } }),
    ],
    ['removed', 11, (p: typeof pack) => ({ ...p, chain: { ...p.chain, entries: p.chain.entries.filter((_, i) => i !== 4) } })],
    [
      'inserted',
      12,
      (p: typeof pack) => {
        const before = p.chain.entries[3]!;
        const event = { type: 'step.started', stepId: 'forged', attempt: 1 };
        const forged = { seq: '1-1', at: before.at, event, prev: before.hash, hash: entryHash(before.hash, before.at, event) };
        return { ...p, chain: { ...p.chain, entries: [...p.chain.entries.slice(0, 4), forged, ...p.chain.entries.slice(4)] } };
      },
    ],
    [
      'reordered',
      13,
      (p: typeof pack) => ({
        ...p,
        chain: { ...p.chain, entries: [...p.chain.entries.slice(0, 4), p.chain.entries[5]!, p.chain.entries[4]!, ...p.chain.entries.slice(6)] },
      }),
    ],
    ['edited outside the chain', 14, (p: typeof pack) => ({ ...p, outcome: { ...p.outcome, text: 'Nothing to see' } })],
  ])(
    'fails when the file is %s',
    async (_kind, code, edit) => {
      const result = await verify([await file(`edited-${code}.json`, canonicalJson(edit(pack))), '--allow-unsigned']);
      expect(result.code).toBe(code);
    },
    30_000,
  );

  it('fails a signed pack with one flipped byte, and a pack checked against another key', async () => {
    const flipped = json.replace('"round":1', '"round":2');
    const manifestPath = await file('m2.json', JSON.stringify(manifest));
    const trusted = await file('pub2.pem', publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const pdfFlag = ['--pdf', await file('m2.pdf', pdf)];
    expect((await verify([await file('flipped.json', flipped), '--manifest', manifestPath, '--public-key', trusted, ...pdfFlag])).code).not.toBe(0);
    const otherKey = await file('wrong.pem', wrong.export({ type: 'spki', format: 'pem' }).toString());
    expect((await verify([await file('pack3.json', json), '--manifest', manifestPath, '--public-key', otherKey, ...pdfFlag])).code).toBe(21);
    expect((await verify([await file('pack4.json', json), '--manifest', manifestPath])).code).toBe(2);
  }, 60_000);
});
