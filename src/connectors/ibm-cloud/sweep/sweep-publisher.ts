import { classifySlackError } from '../../../slack/classify-slack-error.js';
import type { FeatureHost } from '../../system-feature.js';
import { sweepDigestMessage, sweepNothingNew, sweepOverflowReply } from './sweep-digest.js';
import type { IbmInactiveIdentity } from '../ibm-cloud-types.js';
import { sweepCsv } from './sweep-csv.js';
import { digestFingerprint, offboardingsByEmail, sweepItems } from './sweep-items.js';
import { NOTHING_NEW_EVERY_MS, type SweepMemory } from './sweep-memory.js';
import type { SweepTrail } from './sweep-trail.js';

export interface SweepPublisherDeps {
  host: Pick<FeatureHost, 'slack' | 'postOnce' | 'redis' | 'store' | 'channel' | 'now'>;
  /** A key of the sweep's own (sweepKey). */
  key: (part: string) => string;
  memory: SweepMemory;
  trail: SweepTrail;
  inactiveDays: number;
}

export type PublishOutcome = 'posted' | 'unchanged' | 'nothing-new';

/**
 * Posts an account's digest to the approval channel: the identities, each person marked when an
 * offboarding is open or done, each key and service ID the sweep disabled marked so. A digest the
 * same as the last one posted for the account is not posted again; "Nothing new" is said instead,
 * at most once a week. Each message is posted once across retries (PostedMessages).
 */
export class SweepPublisher {
  constructor(private readonly deps: SweepPublisherDeps) {}

  async publish(account: string, report: { identities: IbmInactiveIdentity[]; endTime?: string }): Promise<PublishOutcome> {
    const { memory, trail, host } = this.deps;
    const { store, channel } = host;
    const now = () => host.now();
    const requests = (await store.recentReadable(await store.count())).requests;
    const items = sweepItems(report.identities, offboardingsByEmail(requests), await trail.disabled());
    const fingerprint = digestFingerprint(account, items);
    const last = await memory.last(account);
    if (last.fingerprint === fingerprint) {
      if (last.nothingNewAt !== undefined && now() - last.nothingNewAt < NOTHING_NEW_EVERY_MS) return 'unchanged';
      await this.post(() => host.slack.chat.postMessage({ channel, ...sweepNothingNew(account) }), 'nothing-new message');
      await memory.saidNothingNew(account, now());
      return 'nothing-new';
    }
    const digest = sweepDigestMessage({ account, items, inactiveDays: this.deps.inactiveDays, reportEnd: report.endTime });
    const id = `${account}:${fingerprint.slice(0, 24)}`;
    const message = await host.postOnce('sweep-digest', id, { channel, text: digest.text, blocks: digest.blocks });
    if (digest.shown < items.length) {
      const reply = sweepOverflowReply(account, items.slice(digest.shown));
      await host.postOnce('sweep-overflow', id, { channel: message.channel, thread_ts: message.ts, ...reply });
      await this.attachCsv(id, message, sweepCsv(account, items), account);
    }
    await memory.posted(account, fingerprint, message, now());
    return 'posted';
  }

  /** The whole list as a CSV in the digest's thread, uploaded once (a crash between upload and mark uploads it again). */
  private async attachCsv(id: string, where: { channel: string; ts: string }, csv: string, account: string): Promise<void> {
    const mark = this.deps.key(`csv:${id}`);
    if (await this.deps.host.redis.exists(mark)) return;
    await this.post(
      () =>
        this.deps.host.slack.files.uploadV2({
          file_uploads: [{ file: Buffer.from(csv), filename: `inactive-identities-${account}.csv`, title: `Inactive identities in ${account} (CSV)` }],
          channel_id: where.channel,
          thread_ts: where.ts,
          initial_comment: 'Every inactive identity of this digest, with its last sign-in.',
        }),
      'CSV upload',
    );
    await this.deps.host.redis.set(mark, '1', 'EX', 30 * 24 * 3600);
  }

  private async post(call: () => Promise<unknown>, what: string): Promise<void> {
    try {
      await call();
    } catch (err) {
      throw classifySlackError(`sweep ${what}`, err);
    }
  }
}
