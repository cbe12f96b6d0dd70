import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WebClient } from '@slack/web-api';
import type { Queue } from 'bullmq';
import { canonicalJson, type ChainEntry, sha256Hex } from '../audit/audit-chain.js';
import type { EvidenceChannel, PublishedFile } from '../audit/audit-event.js';
import type { AuditTrail, StoredChain } from '../audit/audit-trail.js';
import { verifyChain } from '../audit/verify-chain.js';
import type { ApproverSource } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RequestLock } from '../request-lock.js';
import type { OffboardRequest } from '../requests/request.js';
import type { RequestStore } from '../requests/request-store.js';
import { closedTaskCount } from '../runs/handed-over.js';
import { recordsOf, runView } from '../runs/run-view.js';
import { classifySlackError } from '../slack/classify-slack-error.js';
import type { SlackDirectory } from '../slack/slack-directory.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';
import { chainCheck, type ChainCheck } from './evidence-pack.js';
import { queueDelivery, queueRotationPack, queueSummaryDelivery } from './evidence-delivery.js';
import { renderEvidencePack } from './evidence-pdf.js';
import { generatorInfo } from './generator-info.js';
import { unnamedPeople } from './pack-people.js';
import { signPack, signSummary, type PackManifest, type SigningKey } from './pack-signing.js';
import { buildBatchSummary, summaryBasename } from './batch-summary.js';
import type { PackHead, renderJobs } from './render-jobs.js';

export interface EvidenceOptions {
  /** Set: every pack carries a detached Ed25519 manifest. */
  signingKey?: SigningKey;
  /** Set: every pack is also written here (OFFBOARD_EVIDENCE_DIR), files 0600 in a 0700 directory. */
  dir?: string;
  /** OFFBOARD_EVIDENCE_IN_THREAD: packs are also uploaded to the approval thread, where every channel member can open them. */
  inThread?: boolean;
  /** OFFBOARD_COMPLIANCE: each member is sent every round's pack by direct message when the round finishes. */
  compliance?: ApproverSource;
  /**
   * Draw packs on the calling thread. Only for a process that never answers Slack (the worker
   * role): a render there holds up nothing a person waits on, and the render thread would cost
   * the process another 60–100 MiB.
   */
  onCallingThread?: boolean;
}

export interface EvidenceDeps {
  store: RequestStore;
  audit: AuditTrail;
  slack: WebClient;
  directory: SlackDirectory;
  /** Raises the alert when a trail's chain is found broken. */
  outbox: SlackOutbox;
  /** Where deliveries by direct message are queued (the runs queue), and how often each is tried. */
  deliveries: { queue: Queue; attempts: number };
  /** One pack made again at a time per request: two closings' jobs at once make one pack, not two alike. */
  lock: RequestLock;
  metrics: Metrics;
  logger: Logger;
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
  // Imported on first use: pdfkit, fontkit and the drawing code are loaded by the process only if it
  // draws here (a worker-only process); one answering Slack keeps them on its render thread alone.
  const turn = lastRender.then(async () => (await import('./render-jobs.js')).renderJobs.pack(job));
  lastRender = turn.catch(() => undefined);
  return turn;
}

/**
 * `offboarding-evidence-<id>` for round 1, `-round<n>` after, `-rev<n>` for a round's pack made again
 * (rotation tasks closed after it): one name per pack, its files beside each other.
 */
export function packBasename(requestId: string, round: number, revision = 1): string {
  return `offboarding-evidence-${requestId.replace(/[^A-Za-z0-9._-]/g, '-')}${round > 1 ? `-round${round}` : ''}${revision > 1 ? `-rev${revision}` : ''}`;
}

/**
 * Renders a round's evidence pack from the trail, once the trail's chain is checked, and stores it
 * (recorded in the trail; uploaded to the request's thread only with OFFBOARD_EVIDENCE_IN_THREAD).
 * The pack itself goes by direct message to whoever may have it: compliance when the round
 * finishes, an approver when they ask. Each delivery is recorded.
 */
export class EvidencePublisher {
  constructor(
    private readonly deps: EvidenceDeps,
    private readonly options: EvidenceOptions = {},
  ) {}

  get keyId(): string | undefined {
    return this.options.signingKey?.id;
  }

  /** Throws (classified) when Slack does not take the files, so the finishing job is retried. */
  async publish(requestId: string, round: number): Promise<void> {
    const { audit } = this.deps;
    const stored = await audit.chain(requestId);
    if (runView(recordsOf(stored.entries)).reports.some((e) => e.round === round)) return;
    const { rendered, files } = await this.renderAndPlace(
      requestId,
      round,
      stored,
      1,
      (r) =>
        `Evidence pack for ${requestId}: the PDF to read, the JSON to check (npm run verify), ${r.manifest ? `signed with key ${r.manifest.key_id}` : 'unsigned'}. JSON SHA-256 ${r.sha256}.`,
    );
    await audit.append(requestId, { type: 'report.published', round, ...publishedFields(rendered, files) });
  }

  /**
   * Renders the pack of `round` (its `revision`) once the names it prints are in the chain, writes
   * it to the evidence directory, and posts it in the approval thread where that is opted into.
   */
  private async renderAndPlace(requestId: string, round: number, stored: StoredChain, revision: number, comment: (rendered: RenderedPack) => string) {
    const request = await this.deps.store.mustGet(requestId);
    // Approval happens on the approval message, so an approved request always has its thread.
    const thread = request.approvalMessage;
    if (!thread) throw new Error(`${requestId} has no approval message to attach the evidence to`);
    const chain = (await this.recordNames(requestId, stored.entries)) ? await this.deps.audit.chain(requestId) : stored;
    const rendered = await this.render(requestId, round, chain, chain.entries, revision);
    if (this.options.dir) await this.writeToDir(rendered);
    const files = this.options.inThread ? await this.upload(rendered, thread.channel, thread.ts, comment(rendered)) : [];
    return { rendered, files };
  }

  /** A rotation task was closed (recorded in the trail): asks for the pack to be made again (see republishForRotations). */
  async rotationClosed(requestId: string): Promise<void> {
    const closed = closedTaskCount(runView(await this.deps.audit.read(requestId)));
    if (closed) await queueRotationPack(this.deps.deliveries.queue, { requestId, closed }, this.deps.deliveries.attempts);
  }

  /**
   * Once rotation tasks were closed after the round's pack was stored (`closed`: how many are closed
   * with the closing that asked), makes the pack again from the whole trail, stores it as the round's
   * next revision (superseding the earlier one) where the first went, and sends it to compliance.
   * Nothing is made while the round runs (its own pack will cover the closing) or when the stored
   * pack covers that many closings already: a retry, or a second closing's job after the first's
   * pack covered both, makes none.
   */
  async republishForRotations(requestId: string, closed: number): Promise<void> {
    await this.deps.lock.with('evidence-rotation', requestId, () => this.republish(requestId, closed));
  }

  private async republish(requestId: string, closed: number): Promise<void> {
    const { audit } = this.deps;
    const stored = await audit.chain(requestId);
    const view = runView(recordsOf(stored.entries));
    if (!view.current.finished) return;
    const { round } = view.current;
    const latest = view.reports.findLast((e) => e.round === round);
    // The round finished but its pack is not stored yet: retried until it is, then compared with it.
    if (!latest) throw new Error(`${requestId} finished round ${round} but its evidence pack is not stored yet; the rotation closing waits for it`);
    const end = stored.entries.findIndex((e) => e.hash === latest.chainHead);
    const covered = closedTaskCount(runView(recordsOf(end >= 0 ? stored.entries.slice(0, end + 1) : stored.entries)));
    if (covered >= closed) {
      // Stored by an earlier try that died before queueing compliance's copies: queued again (once per person).
      if ((latest.revision ?? 1) > 1) await this.sendToCompliance(requestId, round, latest.revision);
      return;
    }
    const revision = (latest.revision ?? 1) + 1;
    const { rendered, files } = await this.renderAndPlace(
      requestId,
      round,
      stored,
      revision,
      (r) =>
        `Evidence pack for ${requestId}, round ${round}, made again because rotation tasks were closed after it: it supersedes the earlier pack (JSON SHA-256 ${latest.sha256 ?? 'not recorded'}). ${r.manifest ? `Signed with key ${r.manifest.key_id}` : 'Unsigned'}. JSON SHA-256 ${r.sha256}.`,
    );
    await audit.append(requestId, {
      type: 'report.published',
      round,
      revision,
      ...(latest.sha256 ? { supersedes: latest.sha256 } : {}),
      ...publishedFields(rendered, files),
    });
    await this.sendToCompliance(requestId, round, revision);
    // The checklist names the pack that stands now.
    await this.deps.outbox.refreshChecklist(requestId);
  }

  /**
   * Queues the stored pack of `round` (its `revision`, when made again) for everyone in
   * OFFBOARD_COMPLIANCE, as Slack lists them now: compliance receives every round's pack, and each
   * pack made again, by direct message, once per person.
   */
  async sendToCompliance(requestId: string, round: number, revision?: number): Promise<void> {
    if (!this.options.compliance) return;
    const { queue, attempts } = this.deps.deliveries;
    for (const userId of await this.deps.directory.members(this.options.compliance))
      await queueDelivery(queue, { requestId, round, userId, via: 'compliance', ...(revision && revision > 1 ? { revision } : {}) }, attempts);
  }

  /**
   * Sends the stored pack of `round` to `userId` by direct message, drawn again from the trail as
   * it stood when the pack was stored, and records it. A compliance delivery already recorded is
   * not sent again, however often the job runs.
   */
  async deliver(requestId: string, round: number, userId: string, via: EvidenceChannel, revision = 1): Promise<void> {
    const { audit, slack } = this.deps;
    const stored = await audit.chain(requestId);
    const view = runView(recordsOf(stored.entries));
    const given = (e: { round: number; revision?: number }) => e.round === round && (e.revision ?? 1) === revision;
    if (via === 'compliance' && view.evidence.some((e) => e.outcome === 'given' && e.actor === userId && e.via === 'compliance' && given(e))) return;
    const report = view.reports.findLast(given);
    if (!report) throw new Error(`${requestId} has no stored evidence pack of round ${round}${revision > 1 ? `, revision ${revision},` : ''} to deliver`);
    // The pack as stored covers the trail up to its head: the same entries give the same pack.
    const end = stored.entries.findIndex((e) => e.hash === report.chainHead);
    const covered = end >= 0 ? stored.entries.slice(0, end + 1) : stored.entries;
    const rendered = await this.render(requestId, round, stored, covered, revision);
    let channel: string | undefined;
    try {
      channel = (await slack.conversations.open({ users: userId })).channel?.id;
    } catch (err) {
      throw classifySlackError('evidence direct message', err);
    }
    if (!channel) throw new Error(`Slack opened no direct message with ${userId}`);
    const files = await this.upload(
      rendered,
      channel,
      undefined,
      `Evidence pack for ${requestId}, round ${round}${via === 'compliance' ? ', sent to you as compliance' : ', as you asked'}${revision > 1 ? `, made again because rotation tasks were closed after the round: it supersedes the earlier pack${report.supersedes ? ` (JSON SHA-256 ${report.supersedes})` : ''}` : ''}: the PDF to read, the JSON to check (npm run verify), ${rendered.manifest ? `signed with key ${rendered.manifest.key_id}` : 'unsigned'}. JSON SHA-256 ${rendered.sha256}. Keep it where only those allowed can read it.`,
    );
    await audit.append(requestId, {
      type: 'evidence.downloaded',
      actor: userId,
      via,
      round,
      ...(revision > 1 ? { revision } : {}),
      sha256: rendered.sha256,
      files,
    });
  }

  /**
   * Once every request of `request`'s bulk request has come to rest (none pending or running), queues
   * its summary for everyone in OFFBOARD_COMPLIANCE, as their packs are: once for each set of states
   * the batch comes to rest in (all disabled, later all deleted…), whichever of its runs finishes last.
   */
  async sendBatchSummaryToCompliance(request: OffboardRequest): Promise<void> {
    if (!request.batch || !this.options.compliance) return;
    const { store, directory, deliveries } = this.deps;
    const members = await Promise.all((await store.batchMembers(request.batch.id)).map((id) => store.get(id)));
    const states = members.filter((m): m is OffboardRequest => m !== undefined).map((m) => `${m.id}:${m.status}`);
    if (states.some((s) => s.endsWith(':pending') || s.endsWith(':approved'))) return;
    const once = sha256Hex(states.join(',')).slice(0, 16);
    for (const userId of await directory.members(this.options.compliance))
      await queueSummaryDelivery(deliveries.queue, { batchId: request.batch.id, userId, via: 'compliance' }, deliveries.attempts, once);
  }

  /**
   * Sends the summary of a bulk request to `userId` by direct message: each person in it, their
   * request, where it stands and their last stored pack's SHA-256, as recorded now; JSON, PDF and
   * (with a signing key) its signed manifest. Each trail's chain is checked first: a broken one is
   * said at the top of the summary and on its row, and raised as a pack from it would be.
   */
  async deliverBatchSummary(batchId: string, userId: string, via?: EvidenceChannel): Promise<void> {
    const { store, audit, slack, logger } = this.deps;
    const members = [];
    for (const id of await store.batchMembers(batchId)) {
      const request = await store.get(id);
      if (!request) continue;
      const stored = await audit.chain(id);
      // Each row is drawn from its trail: checked first, as every pack's is.
      members.push({ request, view: runView(recordsOf(stored.entries)), chain: await this.checkChain(id, stored) });
    }
    if (!members.length) throw new Error(`bulk request ${batchId} has no stored requests to summarise`);
    const summary = buildBatchSummary({
      batchId,
      size: members[0]!.request.batch?.size ?? members.length,
      decision: await store.batchDecision(batchId),
      members,
      generatedAt: new Date().toISOString(),
      generator: generatorInfo(),
    });
    const json = canonicalJson(summary);
    const sha256 = sha256Hex(json);
    // Imported on first use, as renderOnThisThread does: a process that never draws a summary never loads pdfkit for it.
    const { drawBatchSummaryPdf } = await import('./batch-summary-pdf.js');
    const pdf = await drawBatchSummaryPdf(summary, { jsonSha256: sha256, keyId: this.keyId });
    const base = summaryBasename(batchId);
    const names = { json: `${base}.json`, pdf: `${base}.pdf`, manifest: `${base}.manifest.json` };
    const manifest = this.options.signingKey ? signSummary({ json, pdf, names }, batchId, this.options.signingKey) : undefined;
    let channel: string | undefined;
    let uploaded: unknown;
    try {
      channel = (await slack.conversations.open({ users: userId })).channel?.id;
      if (!channel) throw new Error(`Slack opened no direct message with ${userId}`);
      uploaded = await slack.files.uploadV2({
        file_uploads: [
          { file: pdf, filename: names.pdf, title: `Offboarding batch summary ${batchId} (PDF)` },
          { file: Buffer.from(json), filename: names.json, title: `Offboarding batch summary ${batchId} (JSON)` },
          ...(manifest ? [{ file: Buffer.from(canonicalJson(manifest)), filename: names.manifest, title: `Signed manifest, key ${manifest.key_id}` }] : []),
        ],
        channel_id: channel,
        initial_comment: `Summary of bulk request ${batchId}, as you asked: ${members.length} requests, each with its state and its evidence pack's SHA-256 (each pack: \`/offboard report <id>\`).${summary.chains_broken.length ? ` :rotating_light: The audit trail of ${summary.chains_broken.join(', ')} is broken: what the summary states of it may be forged.` : ''} ${manifest ? `Signed with key ${manifest.key_id}` : 'Unsigned'}. JSON SHA-256 ${sha256}.`,
      });
    } catch (err) {
      throw classifySlackError('batch summary direct message', err);
    }
    logger.info({ batchId, userId, sha256, requests: members.length }, 'batch summary delivered');
    // A batch has no trail of its own: each request it covers records who was given it. One trail
    // that cannot be written does not keep the others from recording it (the summary was sent).
    const files = uploadedFiles(uploaded);
    for (const { request } of members) {
      try {
        await audit.append(request.id, {
          type: 'batch.summary_sent',
          batchId,
          actor: userId,
          ...(via ? { via } : {}),
          requests: members.length,
          sha256,
          files,
        });
      } catch (err) {
        logger.error({ batchId, requestId: request.id, err: (err as Error).message }, 'could not record in its trail that the batch summary was sent');
      }
    }
  }

  /**
   * The pack of `round` over `stored` (or the `covered` part of it), once the chain is checked:
   * a broken chain is said on the pack's cover, shown on the checklist, alerted once in the thread
   * and the approval channel, logged and counted.
   */
  async render(requestId: string, round: number, stored: StoredChain, covered: ChainEntry[] = stored.entries, revision = 1): Promise<RenderedPack> {
    const checked = await this.checkChain(requestId, stored);
    // Pack, JSON and PDF are made on the render thread: this process may be answering Slack.
    const render = this.options.onCallingThread ? renderOnThisThread : renderEvidencePack;
    const { pack, json, sha256, pdf } = await render({ requestId, round, entries: covered, generator: generatorInfo(), keyId: this.keyId, checked });
    const base = packBasename(requestId, round, revision);
    const names = { json: `${base}.json`, pdf: `${base}.pdf`, manifest: `${base}.manifest.json` };
    const manifest = this.options.signingKey ? signPack({ json, pdf, names }, pack, this.options.signingKey) : undefined;
    return { pack, json, sha256, pdf, manifest, names };
  }

  private async checkChain(requestId: string, { entries, head }: StoredChain): Promise<ChainCheck> {
    const verdict = verifyChain(requestId, entries, head);
    if (verdict.intact) return chainCheck(verdict);
    const { logger, metrics, outbox } = this.deps;
    logger.error(
      { requestId, kind: verdict.kind, entry: verdict.index + 1, seq: verdict.seq, detail: verdict.detail },
      'the audit trail is broken: it was altered in Redis after it was recorded',
    );
    metrics.chainBroken.inc();
    // Whatever made the pack (a download, a summary), the checklist says so at once, not at its next change.
    await outbox.refreshChecklist(requestId);
    // One key per request: raised once, however many packs are rendered from the broken trail.
    await outbox.alert(
      requestId,
      'chain-broken',
      `:rotating_light: *The audit trail of ${requestId} is broken*: ${verdict.kind} at entry ${verdict.index + 1} (${verdict.detail}). Someone altered it in Redis after it was recorded; its evidence packs say so on their cover. Compare with an earlier pack or a backup, and check who can write to Redis.`,
    );
    return chainCheck(verdict);
  }

  private async upload(rendered: RenderedPack, channel: string, threadTs: string | undefined, comment: string): Promise<PublishedFile[]> {
    const { request_id: requestId, round } = rendered.pack;
    const uploads = [
      { file: rendered.pdf, filename: rendered.names.pdf, title: `Offboarding evidence ${requestId}${round > 1 ? ` (round ${round})` : ''} (PDF)` },
      { file: Buffer.from(rendered.json), filename: rendered.names.json, title: `Offboarding evidence ${requestId} (JSON)` },
      ...(rendered.manifest
        ? [
            {
              file: Buffer.from(canonicalJson(rendered.manifest)),
              filename: rendered.names.manifest,
              title: `Signed manifest, key ${rendered.manifest.key_id}`,
            },
          ]
        : []),
    ];
    try {
      return uploadedFiles(
        await this.deps.slack.files.uploadV2({
          file_uploads: uploads,
          channel_id: channel,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          initial_comment: comment,
        }),
      );
    } catch (err) {
      throw classifySlackError('evidence upload', err);
    }
  }

  /** Only the bot's user may read what it writes: the umask could leave the files readable by anyone. */
  private async writeToDir(r: RenderedPack): Promise<void> {
    const dir = this.options.dir!;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    const files: [string, string | Buffer][] = [
      [r.names.json, r.json],
      [r.names.pdf, r.pdf],
      ...(r.manifest ? [[r.names.manifest, canonicalJson(r.manifest)] as [string, string]] : []),
    ];
    for (const [name, data] of files) {
      const path = join(dir, name);
      await writeFile(path, data, { mode: 0o600 });
      // A file written before keeps its old mode through writeFile.
      await chmod(path, 0o600);
    }
  }

  /**
   * Records, before a pack prints them, the names of the people the trail mentions but does not
   * name (approvers, whoever started a round), as Slack knows them now: the chain then covers every
   * name the PDF prints. True when something was recorded.
   */
  private async recordNames(requestId: string, entries: ChainEntry[]): Promise<boolean> {
    const asked = unnamedPeople(entries);
    const found = await Promise.all(asked.map(async (id) => ({ id, name: (await this.deps.directory.person(id).catch(() => undefined))?.name })));
    const people = found.filter((p): p is { id: string; name: string } => typeof p.name === 'string');
    if (!people.length) return false;
    await this.deps.audit.append(requestId, { type: 'people.named', people });
    return true;
  }
}

function uploadedFiles(result: unknown): PublishedFile[] {
  const completions = (result as { files?: { files?: { id?: string; name?: string; permalink?: string }[] }[] }).files ?? [];
  return completions
    .flatMap((c) => c.files ?? [])
    .filter((f): f is { id: string; name?: string; permalink?: string } => typeof f.id === 'string')
    .map((f) => ({ id: f.id, name: f.name ?? f.id, ...(f.permalink ? { permalink: f.permalink } : {}) }));
}

/** What a stored pack's `report.published` says of it: its file, where it was posted, its hash, chain head and key. */
function publishedFields(rendered: RenderedPack, files: { id: string; name: string }[]) {
  return {
    filename: rendered.names.pdf,
    ...(files.length ? { fileId: files.find((f) => f.name === rendered.names.pdf)?.id ?? files[0]!.id, files } : {}),
    sha256: rendered.sha256,
    chainHead: rendered.pack.chain.head,
    ...(rendered.manifest ? { keyId: rendered.manifest.key_id } : {}),
  };
}
