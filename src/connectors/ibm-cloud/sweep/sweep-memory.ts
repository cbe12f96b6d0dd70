import type { Redis } from 'ioredis';

/** "Nothing new" is said at most this often per account. */
export const NOTHING_NEW_EVERY_MS = 7 * 24 * 3_600_000;

/** What the sweep last posted for an account: an unchanged digest is not posted again. */
export interface PostedDigest {
  fingerprint?: string;
  channel?: string;
  ts?: string;
  /** When the sweep last said anything about the account, a digest or "Nothing new" (epoch ms). */
  nothingNewAt?: number;
}

export class SweepMemory {
  constructor(
    private readonly redis: Redis,
    /** A key of the sweep's own (sweepKey). */
    private readonly key: (part: string) => string,
  ) {}

  async last(account: string): Promise<PostedDigest> {
    const h = await this.redis.hgetall(this.key(`account:${account}`));
    return {
      ...(h.fingerprint ? { fingerprint: h.fingerprint } : {}),
      ...(h.channel ? { channel: h.channel } : {}),
      ...(h.ts ? { ts: h.ts } : {}),
      ...(h.nothingNewAt ? { nothingNewAt: Number(h.nothingNewAt) } : {}),
    };
  }

  /** Recorded once the digest, its thread reply and its CSV are all posted: "Nothing new" waits a week from here. */
  async posted(account: string, fingerprint: string, where: { channel: string; ts: string }, at: number): Promise<void> {
    await this.redis.hset(this.key(`account:${account}`), { fingerprint, channel: where.channel, ts: where.ts, nothingNewAt: String(at) });
  }

  async saidNothingNew(account: string, at: number): Promise<void> {
    await this.redis.hset(this.key(`account:${account}`), { nothingNewAt: String(at) });
  }
}
