import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The bot's Prometheus series. One registry per bot instance (not prom-client's global one), so
 * several bots in one process (tests, the demo) never share or collide on series.
 */
export interface Metrics {
  registry: Registry;
  /** Seconds one execution of a job took, by queue, job name (the system step) and outcome. */
  jobDuration: Histogram<'queue' | 'job' | 'outcome'>;
  /** Seconds from the approval to the last step of a system verified, per system. */
  approvalToVerified: Histogram<'system'>;
  /** Slack Web API calls by method and outcome (`ok`, `ratelimited`, an error code or an HTTP status). */
  slackCalls: Counter<'method' | 'status'>;
  /** Calls to the systems offboarded from, by the system's id, operation and HTTP status (`network` when no answer came). */
  systemCalls: Counter<'system' | 'operation' | 'status'>;
  /** Access found again by a re-scan after it had been removed, per system. */
  rescanAlerts: Counter<'system'>;
  /** What the reconciler did: re-enqueued a run, recorded a lost job, re-posted a message… */
  reconcilerActions: Counter<'action'>;
  /** Packs about to be rendered from a trail whose hash chain no longer holds: someone altered Redis. */
  chainBroken: Counter;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  // Heap, RSS, event-loop lag and GC of this process, as every Node service exports them.
  collectDefaultMetrics({ register: registry });
  const durationBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
  return {
    registry,
    jobDuration: new Histogram({
      name: 'offboard_job_duration_seconds',
      help: 'Time one execution of a job took, by queue, job name and outcome',
      labelNames: ['queue', 'job', 'outcome'],
      buckets: durationBuckets,
      registers: [registry],
    }),
    approvalToVerified: new Histogram({
      name: 'offboard_approval_to_verified_seconds',
      help: 'Time from the approval of a request to every step of a system verified',
      labelNames: ['system'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600, 86400],
      registers: [registry],
    }),
    slackCalls: new Counter({
      name: 'offboard_slack_calls_total',
      help: 'Slack Web API calls by method and outcome',
      labelNames: ['method', 'status'],
      registers: [registry],
    }),
    systemCalls: new Counter({
      name: 'offboard_system_calls_total',
      help: 'Calls to the systems offboarded from, by system, operation and HTTP status',
      labelNames: ['system', 'operation', 'status'],
      registers: [registry],
    }),
    rescanAlerts: new Counter({
      name: 'offboard_rescan_alerts_total',
      help: 'Access found again by a re-scan after it had been removed',
      labelNames: ['system'],
      registers: [registry],
    }),
    reconcilerActions: new Counter({
      name: 'offboard_reconciler_actions_total',
      help: 'Repairs made by the reconciler, by kind',
      labelNames: ['action'],
      registers: [registry],
    }),
    chainBroken: new Counter({
      name: 'offboard_audit_chain_broken_total',
      help: 'Evidence packs rendered from an audit trail whose hash chain is broken (an entry changed, removed or moved in Redis)',
      registers: [registry],
    }),
  };
}
