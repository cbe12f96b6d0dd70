import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WebClient } from '@slack/web-api';
import { canonicalJson, type ChainEntry } from '../audit/audit-chain.js';
import type { PublishedFile } from '../audit/audit-event.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { offboardRequestSchema } from '../requests/request.js';
import type { RequestStore } from '../requests/request-store.js';
import { classifySlackError } from '../slack/classify-slack-error.js';
import type { SlackDirectory } from '../slack/slack-directory.js';
import { renderEvidencePack } from './evidence-pdf.js';
import { generatorInfo } from './generator-info.js';
import { signPack, type PackManifest, type SigningKey } from './pack-signing.js';
import { renderJobs, type PackHead } from './render-jobs.js';

export interface EvidenceOptions {
  /** Set: every pack carries a detached Ed25519 manifest. */
  signingKey?: SigningKey;
  /** Set: every pack is also written here (OFFBOARD_EVIDENCE_DIR). */
  dir?: string;
  /**
   * Draw packs on the calling thread. Only for a process that never answers Slack (the worker
   * role): a render there holds up nothing a person waits on, and the render thread would cost
   * the process another 60–100 MiB.
   */
  onCallingThread?: boolean;
}

export interface RenderedPack {
  pack: PackHead;
  /** The canonical JSON, the bytes that are hashed, signed and stored. */
  json: string;
  sha256: string;
  pdf: Buffer;
  manifest?: PackManifest;
  names: { json: string; pdf: string; manifest: string };
}

let lastRender: Promise<unknown> = Promise.resolve();

/**
 * One pack at a time on this thread, as on the render thread: a bulk finishing dozens of runs at
 * once would otherwise hold dozens of half-drawn PDFs in memory together.
 */
function renderOnThisThread(job: Parameters<typeof renderJobs.pack>[0]): ReturnType<typeof renderJobs.pack> {
  const turn = lastRender.then(() => renderJobs.pack(job));
  lastRender = turn.catch(() => undefined);
  return turn;
}

/** `offboarding-evidence-<id>` for round 1, `-round<n>` after: one name per pack, its files beside each other. */
export function packBasename(requestId: string, round: number): string {
  return `offboarding-evidence-${requestId.replace(/[^A-Za-z0-9._-]/g, '-')}${round > 1 ? `-round${round}` : ''}`;
}

/** Renders a round's evidence pack from the trail and stores it in the request's thread, once. */
export class EvidencePublisher {
  constructor(
    private readonly store: RequestStore,
    private readonly audit: AuditTrail,
    private readonly slack: WebClient,
    private readonly directory: SlackDirectory,
    private readonly options: EvidenceOptions = {},
  ) {}

  get keyId(): string | undefined {
    return this.options.signingKey?.id;
  }

  /** Throws (classified) when Slack does not take the files, so the finishing job is retried. */
  async publish(requestId: string, round: number): Promise<void> {
    const { entries } = await this.audit.chain(requestId);
    if (entries.some((e) => e.event.type === 'report.published' && e.event.round === round)) return;
    const request = await this.store.mustGet(requestId);
    // Approval happens on the approval message, so an approved request always has its thread.
    const thread = request.approvalMessage;
    if (!thread) throw new Error(`${requestId} has no approval message to attach the evidence to`);
    const rendered = await this.render(requestId, round, entries);
    if (this.options.dir) await this.writeToDir(rendered);
    const uploads = [
      { file: rendered.pdf, filename: rendered.names.pdf, title: `Offboarding evidence ${requestId}${round > 1 ? ` (round ${round})` : ''} (PDF)` },
      { file: Buffer.from(rendered.json), filename: rendered.names.json, title: `Offboarding evidence ${requestId} (JSON)` },
      ...(rendered.manifest ? [{ file: Buffer.from(canonicalJson(rendered.manifest)), filename: rendered.names.manifest, title: `Signed manifest, key ${rendered.manifest.key_id}` }] : []),
    ];
    let result: unknown;
    try {
      result = await this.slack.files.uploadV2({
        file_uploads: uploads,
        channel_id: thread.channel,
        thread_ts: thread.ts,
        initial_comment: `Evidence pack for ${requestId}: the PDF to read, the JSON to check (npm run verify), ${rendered.manifest ? `signed with key ${rendered.manifest.key_id}` : 'unsigned'}. JSON SHA-256 ${rendered.sha256}.`,
      });
    } catch (err) {
      throw classifySlackError('evidence upload', err);
    }
    const files = uploadedFiles(result);
    await this.audit.append(requestId, {
      type: 'report.published',
      round,
      fileId: files.find((f) => f.name === rendered.names.pdf)?.id ?? 'unknown',
      filename: rendered.names.pdf,
      files,
      sha256: rendered.sha256,
      chainHead: rendered.pack.chain.head,
      ...(rendered.manifest ? { keyId: rendered.manifest.key_id } : {}),
    });
  }

  /** The pack of `round` over the trail as it stands (or `entries`, when the caller has read them). */
  async render(requestId: string, round: number, entries?: ChainEntry[]): Promise<RenderedPack> {
    const chain = entries ?? (await this.audit.chain(requestId)).entries;
    // Pack, JSON and PDF are made on the render thread: this process may be answering Slack.
    const render = this.options.onCallingThread ? renderOnThisThread : renderEvidencePack;
    const { pack, json, sha256, pdf } = await render({ requestId, round, entries: chain, people: await this.names(chain), generator: generatorInfo(), keyId: this.keyId });
    const base = packBasename(requestId, round);
    const names = { json: `${base}.json`, pdf: `${base}.pdf`, manifest: `${base}.manifest.json` };
    const manifest = this.options.signingKey ? signPack(json, pack, names.json, this.options.signingKey) : undefined;
    return { pack, json, sha256, pdf, manifest, names };
  }

  private async writeToDir(r: RenderedPack): Promise<void> {
    const dir = this.options.dir!;
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, r.names.json), r.json);
    await writeFile(join(dir, r.names.pdf), r.pdf);
    if (r.manifest) await writeFile(join(dir, r.names.manifest), canonicalJson(r.manifest));
  }

  /**
   * Names of everyone the trail mentions by Slack id: the request's people as the request recorded
   * them, the others (approvers) as Slack knows them now, so nobody is asked about twice per request.
   */
  private async names(entries: ChainEntry[]): Promise<Record<string, string>> {
    const known = new Map<string, string>();
    const ids = new Set<string>();
    for (const { event } of entries) {
      for (const key of ['actor', 'by'] as const) if (typeof event[key] === 'string') ids.add(event[key]);
      if (Array.isArray(event.approvers)) for (const id of event.approvers) if (typeof id === 'string') ids.add(id);
      const parsed = event.type === 'request.submitted' ? offboardRequestSchema.safeParse(event.request) : undefined;
      if (!parsed?.success) continue;
      const r = parsed.data;
      known.set(r.requester.slackUserId, r.requester.name).set(r.subject.slackUserId, r.subject.name);
      if (r.successorSlackUserId) {
        ids.add(r.successorSlackUserId);
        if (r.successorName) known.set(r.successorSlackUserId, r.successorName);
      }
    }
    const asked = [...ids].filter((id) => !known.has(id) && /^[UW][A-Z0-9]+$/.test(id));
    const people = await Promise.all(asked.map(async (id) => [id, (await this.directory.person(id).catch(() => undefined))?.name] as const));
    for (const [id, name] of people) if (name) known.set(id, name);
    return Object.fromEntries([...known].filter(([id]) => ids.has(id)));
  }
}

function uploadedFiles(result: unknown): PublishedFile[] {
  const completions = (result as { files?: { files?: { id?: string; name?: string; permalink?: string }[] }[] }).files ?? [];
  return completions
    .flatMap((c) => c.files ?? [])
    .filter((f): f is { id: string; name?: string; permalink?: string } => typeof f.id === 'string')
    .map((f) => ({ id: f.id, name: f.name ?? f.id, ...(f.permalink ? { permalink: f.permalink } : {}) }));
}
