import type { Redis } from 'ioredis';
import { AuditTrail } from '../../../src/audit/audit-trail.js';
import type { Phase } from '../../../src/audit/audit-event.js';
import { runView } from '../../../src/runs/run-view.js';
import type { Change, StepCapabilities, StepContext } from '../../../src/connectors/connector.js';
import type { ScimProfile } from '../../../src/connectors/scim/profile.js';
import { SCIM_PROFILES } from '../../../src/connectors/scim/profiles/index.js';
import type { ScimClient } from '../../../src/connectors/scim/scim-client.js';
import { SCIM_DIRECTORY, scimSystem } from '../../../src/connectors/scim/system.js';
import type { SystemStep } from '../../../src/connectors/system.js';
import type { Identity, Person } from '../../../src/connectors/system.js';
import { createMetrics } from '../../../src/metrics/metrics.js';
import { Keys } from '../../../src/redis.js';
import { actOnStep, type PhaseStep, readBackOnce } from '../../../src/runs/run-step.js';
import { restoring, snapshotsOf } from '../../../src/runs/step-job.js';
import { startScimSimulator, type ScimSimulator } from '../../../src/simulators/scim/index.js';
import { type ScimmyAdapter, type ScimmyServer, startScimmyServer } from '../../support/scimmy-server.js';

export const TOKEN = 'scim-test-token-0001';
export const JANE_EMAIL = 'jane.doe@example.com';
export const JANE: Person = { requestId: 'OFF-SCIM01', slackUserId: 'U0JANE001', email: JANE_EMAIL };

export interface SeedUser {
  id: string;
  userName: string;
  displayName?: string;
  emails?: { value: string; type?: string }[];
  active?: boolean;
}

export interface Seed {
  users: SeedUser[];
  /** Each group's members by user id. */
  groups?: { id: string; displayName: string; members: string[] }[];
}

/** Jane, a colleague, and two groups Jane is in (and one she is not). */
export function janeSeed(opts: { janeActive?: boolean } = {}): Seed {
  return {
    users: [
      {
        id: 'u-jane',
        userName: JANE_EMAIL,
        displayName: 'Jane Doe',
        emails: [{ value: JANE_EMAIL, type: 'work' }],
        active: opts.janeActive ?? true,
      },
      { id: 'u-ada', userName: 'ada@example.com', displayName: 'Ada Admin', emails: [{ value: 'ada@example.com', type: 'work' }] },
    ],
    groups: [
      { id: 'g-eng', displayName: 'Engineering', members: ['u-jane', 'u-ada'] },
      { id: 'g-ops', displayName: 'On-call', members: ['u-jane'] },
      { id: 'g-fin', displayName: 'Finance', members: ['u-ada'] },
    ],
  };
}

/** A SCIM application under test (our simulator, or the real SCIMMY server) with the bot's client for it. */
export interface ScimApp {
  kind: 'simulator' | 'scimmy';
  url: string;
  client: ScimClient;
  steps: readonly SystemStep<ScimClient>[];
  identify(person: Person, earlier?: Identity[]): Promise<Identity[]>;
  isActive(userId: string): boolean | undefined;
  exists(userId: string): boolean;
  members(groupId: string): string[];
  /** Changes a user in place, as the vendor itself might (GitHub obfuscating a deprovisioned name). */
  edit(userId: string, fields: Partial<Omit<SeedUser, 'id'>>): void;
  /** Every request the application answered, path under its base URL (e.g. `/Users/u-jane`). */
  calls(): ScimCall[];
  mutations(): number;
  /** Every request is answered `status` (with Retry-After when given, and `headers`) until `heal`. */
  fail(status: number, retryAfterSeconds?: number, headers?: Record<string, string>): void;
  heal(): void;
  /** The simulator behind it, where it is one. */
  sim?: ScimSimulator;
  close(): Promise<void>;
}

export type Backend = 'simulator' | 'scimmy';

export interface ScimCall {
  method: string;
  path: string;
  query: string;
  status: number;
  body?: unknown;
}

/**
 * What SCIMMY needs in front of it to answer as `profile` says its vendor does, where SCIMMY differs
 * (each adapter names the vendor document it follows, in scimmy-server.ts).
 */
export function scimmyAdaptersFor(profile: ScimProfile): ScimmyAdapter[] {
  return [
    ...(profile.paging.style === 'cursor' ? (['cursor-paging'] as const) : []),
    ...(profile.delete === 'deactivate' ? (['delete-deactivates'] as const) : []),
  ];
}

function connect(profile: ScimProfile, url: string, redis: Redis) {
  const system = scimSystem(
    { id: 'acme-scim', name: 'Acme SCIM', base_url: url, token_env: 'ACME_SCIM_TOKEN', profile: profile.id, timeout_ms: 5_000 },
    { [profile.id]: profile },
  );
  const settings = system.module.configure({ ACME_SCIM_TOKEN: TOKEN });
  if ('problems' in settings) throw new Error(settings.problems.join('; '));
  const client = settings.connect({ metrics: createMetrics(), redis, keys: new Keys(`scim-${Date.now()}`) });
  return { client, steps: system.steps, identify: (person: Person, earlier: Identity[] = []) => settings.identify(client, person, SCIM_DIRECTORY, earlier) };
}

export async function startApp(backend: Backend, redis: Redis, seed: Seed, profile: ScimProfile = SCIM_PROFILES.rfc!): Promise<ScimApp> {
  if (backend === 'simulator') {
    const sim = await startScimSimulator({ profile, token: TOKEN, users: seed.users, groups: seed.groups ?? [] });
    const { client, steps, identify } = connect(profile, sim.url, redis);
    return {
      kind: 'simulator',
      url: sim.url,
      client,
      steps,
      identify,
      isActive: (id) => sim.directory.users.get(id)?.active,
      exists: (id) => sim.directory.users.has(id),
      members: (id) => sim.directory.groups.get(id)?.members ?? [],
      edit: (id, fields) => Object.assign(sim.directory.users.get(id)!, fields),
      calls: () => sim.calls,
      mutations: () => sim.calls.filter((c) => c.method !== 'GET' && c.status < 300).length,
      fail: (status, retryAfter, headers) => {
        sim.clearFaults();
        sim.fault({ status, ...(retryAfter !== undefined ? { retryAfter } : {}), ...(headers ? { headers } : {}) });
      },
      heal: () => sim.clearFaults(),
      sim,
      close: () => sim.close(),
    };
  }
  const server: ScimmyServer = await startScimmyServer({
    token: TOKEN,
    users: seed.users.map((u) => ({ active: true, ...u })),
    groups: (seed.groups ?? []).map((g) => ({ id: g.id, displayName: g.displayName, members: g.members.map((value) => ({ value })) })),
    adapters: scimmyAdaptersFor(profile),
  });
  const { client, steps, identify } = connect(profile, server.url, redis);
  return {
    kind: 'scimmy',
    url: server.url,
    client,
    steps,
    identify,
    isActive: (id) => (server.users.has(id) ? server.users.get(id)!.active !== false : undefined),
    exists: (id) => server.users.has(id),
    members: (id) => (server.groups.get(id)?.members ?? []).map((m) => m.value),
    edit: (id, fields) => Object.assign(server.users.get(id)!, fields),
    calls: () => server.calls,
    mutations: () => server.mutations(),
    fail: (status, retryAfter, headers) => server.fail(status, retryAfter, headers),
    heal: () => server.heal(),
    close: () => server.close(),
  };
}

/**
 * One step of one app driven as the step job drives it, each phase a round on a trail of its own
 * request: inventory → act (resuming what an earlier execution recorded) → one read-back.
 */
export class StepDriver {
  private round = 0;
  private identities: Identity[] = [];
  readonly requestId = `OFF-SCIM-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(
    private readonly app: ScimApp,
    readonly spec: SystemStep<ScimClient>,
    readonly audit: AuditTrail,
  ) {}

  get caps(): StepCapabilities {
    return this.spec.connect(this.app.client, SCIM_DIRECTORY);
  }

  get stepRef() {
    return { system: 'acme-scim', scope: SCIM_DIRECTORY, step: this.spec.step, title: this.spec.title };
  }

  async context(): Promise<StepContext> {
    this.identities = await this.app.identify({ ...JANE, requestId: this.requestId }, this.identities);
    return { requestId: this.requestId, scope: SCIM_DIRECTORY, transactionId: `${this.requestId}-r${this.round}`, person: JANE, identities: this.identities };
  }

  /** A round of `phase`: planned, acted on (restore from the disable's snapshots), read back once. */
  async run(phase: Phase, executions = 1, opts: { firstDiesAfterChange?: boolean } = {}): Promise<'verified' | 'wait'> {
    this.round += 1;
    const id = `acme-scim.${SCIM_DIRECTORY}.${this.spec.step}`;
    await this.audit.append(this.requestId, { type: 'run.planned', round: this.round, phase, steps: [this.stepRef], startsAt: new Date().toISOString() });
    const caps = this.caps;
    const step = await this.phaseStep(phase, caps, id);
    const ctx = { ...(await this.context()), stepId: id };
    for (let attempt = 1; attempt <= executions; attempt++) {
      const earlier = runView(await this.audit.read(this.requestId)).steps.find((s) => s.id === id && s.phase === phase);
      const dies = opts.firstDiesAfterChange && attempt === 1;
      try {
        await actOnStep(dies ? diesAfterFirstChange(step) : step, { ...ctx, transactionId: `${ctx.transactionId}-a${attempt}` }, earlier, this.audit);
      } catch (err) {
        if (!dies) throw err;
      }
    }
    const outcome = await readBackOnce(
      step,
      ctx,
      { startedAt: Date.now(), checks: 0, pauseMs: 0 },
      { timeoutMs: 60_000, intervalMs: 1 },
      this.audit,
      `${id}:${this.round}`,
    );
    return outcome.kind;
  }

  private async phaseStep(phase: Phase, caps: StepCapabilities, id: string) {
    if (phase === 'reinstate') {
      const history = runView(await this.audit.read(this.requestId)).steps.filter((s) => s.id === id);
      return restoring(caps.restore!, snapshotsOf(history));
    }
    const action = phase === 'delete' ? (caps.delete ?? caps.disable) : caps.disable;
    if (!action) throw new Error(`${this.spec.title} cannot ${phase}`);
    return { ...action, inventory: caps.inventory };
  }

  /** Every change recorded, as `id outcome`. */
  async outcomes(): Promise<string[]> {
    return (await this.audit.read(this.requestId)).flatMap((e) => (e.type === 'step.acted' ? e.changes.map((c) => `${c.id} ${c.outcome}`) : []));
  }
}

/** The worker dies after the system made the first change and before it was recorded. */
function diesAfterFirstChange(step: PhaseStep): PhaseStep {
  return {
    ...step,
    act: (ctx, found) => {
      const changes = step.act(ctx, found)[Symbol.asyncIterator]();
      const next = async (): Promise<IteratorResult<Change>> => {
        await changes.next();
        await changes.return?.();
        throw new Error('the worker died');
      };
      return { [Symbol.asyncIterator]: () => ({ next }) };
    },
  };
}

export const trail = (redis: Redis) => new AuditTrail(redis, new Keys(`scim-test-${Date.now()}-${Math.random()}`));

export const stepOf = (app: ScimApp, step: 'account' | 'groups'): SystemStep<ScimClient> => {
  const spec = app.steps.find((s) => s.step === step);
  if (!spec) throw new Error(`no ${step} step for this profile`);
  return spec;
};

export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}
