import type { Redis } from 'ioredis';
import { z } from 'zod';

/** One key an approver chose for deletion, as the review modal listed it. */
const chosenKey = z.object({ id: z.string(), region: z.string(), name: z.string() });

/** What an approver decided about the VPC SSH keys of one account for one request: which are the person's. */
export const vpcReviewSchema = z.object({
  by: z.string(),
  at: z.string(),
  chosen: z.array(chosenKey),
});
export type VpcReview = z.infer<typeof vpcReviewSchema>;
export type ChosenVpcKey = z.infer<typeof chosenKey>;

/** How long a review is kept: beyond any grace period before the deletion it drives. */
const KEEP_S = 400 * 24 * 3600;

/**
 * The approvers' reviews, in Redis under the IBM Cloud system's keys: the review modal's submission
 * writes one, the SSH keys step reads it at the delete phase. The last review wins until then.
 */
export class VpcReviews {
  constructor(
    private readonly redis: Redis,
    private readonly key: (part: string) => string,
  ) {}

  async get(requestId: string, accountId: string): Promise<VpcReview | undefined> {
    const raw = await this.redis.get(this.key(`vpc-review:${requestId}:${accountId}`));
    if (raw === null) return undefined;
    const parsed = vpcReviewSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  async set(requestId: string, accountId: string, review: VpcReview): Promise<void> {
    await this.redis.set(this.key(`vpc-review:${requestId}:${accountId}`), JSON.stringify(review), 'EX', KEEP_S);
  }
}
