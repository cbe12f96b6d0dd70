import { Queue, Worker } from 'bullmq';
import type { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { processSlackOutput } from '../../jobs/slack-output.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { ChecklistPublisher, type ChecklistSpacing } from '../../src/checklist/checklist-publisher.js';
import { createLogger } from '../../src/logger.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { Keys } from '../../src/redis.js';
import { ApprovalRequirements } from '../../src/requests/approval-requirements.js';
import { DEFAULT_POLICY } from '../../src/requests/approval-rules.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { SlackDirectory } from '../../src/slack/slack-directory.js';
import { ApprovalPublisher } from '../../src/slack/approval-publisher.js';
import { HandoverPublisher } from '../../src/slack/handover-publisher.js';
import { PostedMessages } from '../../src/slack/posted-messages.js';
import { SlackOutbox } from '../../src/slack/slack-outbox.js';

/**
 * The Slack side of the bot on its own: the outbox that asks for messages, and a real BullMQ
 * worker running the real Slack jobs against `client`, under a fresh key prefix. With `spacing`,
 * the worker hands its jobs their token, as a real one does, so checklist writes are spaced by it.
 */
export function startSlackOutput(redisUrl: string, client: WebClient, channel: string, { spacing }: { spacing?: ChecklistSpacing } = {}) {
  const prefix = `slack-output-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const keys = new Keys(prefix);
  const store = new RequestStore(redis, keys);
  const audit = new AuditTrail(redis, keys);
  const queue = new Queue(QUEUES.slack, { connection: redis, prefix });
  const posted = new PostedMessages({ slack: client, redis, keys });
  const deps = {
    approvals: new ApprovalPublisher({
      store,
      audit,
      slack: client,
      posted,
      channel,
      shape: [{ title: 'IBM Cloud', scopeNoun: 'account', scopes: ['a1b2c3d4e5f60718293a4b5c6d7e8f90'], touches: ['API keys'] }],
      requirements: new ApprovalRequirements(DEFAULT_POLICY, new SlackDirectory(client, { kind: 'users', ids: ['U0ALEX001', 'U0RILEY01'] })),
    }),
    checklist: new ChecklistPublisher({ store, audit, slack: client, posted, spacing }),
    handover: new HandoverPublisher({ store, audit, slack: client, posted }),
    slack: client,
    logger: createLogger('silent'),
  };
  const worker = new Worker(QUEUES.slack, (job, token) => processSlackOutput(job, deps, spacing ? token : undefined), {
    connection: redis,
    prefix,
    concurrency: 8,
    settings: { backoffStrategy: () => 50 },
  });
  return {
    store,
    audit,
    queue,
    outbox: new SlackOutbox(queue),
    /** Resolves once no Slack job is waiting, delayed or running. */
    async drained(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const counts = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
        if (Object.values(counts).every((n) => n === 0)) return;
        if (Date.now() > deadline) throw new Error(`Slack jobs still pending: ${JSON.stringify(counts)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await worker.close();
      await queue.close();
      redis.disconnect();
    },
  };
}
