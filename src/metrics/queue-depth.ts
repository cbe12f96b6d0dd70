import type { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import type { Metrics } from './metrics.js';

/**
 * `offboard_queue_jobs{queue,state}`: jobs in each of the bot's queues by state, read from Redis at
 * each scrape. A scrape while Redis is away or slow leaves the series out rather than hanging.
 */
export function registerQueueDepth(metrics: Metrics, queues: readonly Queue[], timeoutMs = 2_000): void {
  new Gauge({
    name: 'offboard_queue_jobs',
    help: 'Jobs in each queue by state (waiting, active, delayed, failed, waiting-children, ...)',
    labelNames: ['queue', 'state'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      });
      const read = Promise.all(queues.map((q) => q.getJobCounts())).catch(() => undefined);
      const counts = await Promise.race([read, late]).finally(() => clearTimeout(timer));
      counts?.forEach((byState, i) => {
        for (const [state, count] of Object.entries(byState)) this.set({ queue: queues[i]!.name, state }, count);
      });
    },
  });
}
