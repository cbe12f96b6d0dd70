import type { Redis } from 'ioredis';
import type { Attesters } from '../audit/audit-event.js';
import type { z } from 'zod';
import type { Metrics } from '../metrics/metrics.js';
import type { SecretShapes } from '../redact.js';
import type { Keys } from '../redis.js';
import type { StepCapabilities } from './connector.js';
import type { SystemFeature } from './system-feature.js';

/** What a system's client may share with every other process of the bot: metrics, and Redis for budgets kept across workers. */
export interface ConnectContext {
  metrics: Metrics;
  redis: Redis;
  keys: Keys;
}

/** The person being offboarded, as every system is asked about them. */
export interface Person {
  requestId: string;
  /** Null when they have no Slack account the bot could find: systems find them by `email`. */
  slackUserId: string | null;
  email: string;
}

/** One identity of the person in one scope of a system (a user record of a cloud account, a chat account). */
export interface Identity {
  scope: string;
  /** The system's own id for it (an IAM id, a Slack user id). */
  id: string;
  label: string;
  /** Realm, state, login id: what tells two identities of one person apart. */
  detail?: string;
  /** Why nothing may be changed in this scope for this identity (the account's owner): its steps there fail at once, untouched. */
  refusal?: string;
}

/**
 * One step of a system: what it is called and what it can do in a scope. The phases it takes part
 * in are read from the capabilities `connect` returns (src/runs/step-phases.ts), never declared.
 */
export interface SystemStep<C> {
  /** Stable within the system, the last part of the step's id: 'api-keys', 'account'. */
  step: string;
  title: string;
  /** Ends the person's identity itself (the account membership, the Slack account): skipped on a role change, where the person stays. */
  endsIdentity?: boolean;
  /** Only reports what it finds, as residual access the bot cannot remove (a rule-based membership). */
  reportsResidual?: boolean;
  /**
   * Acts on what the person created (their service IDs and keys): skipped on a role change, where
   * the person stays and what they made stays with them.
   */
  createdByPerson?: boolean;
  /**
   * Only records what it finds, each item kept as it is on purpose, with why in its detail (what the
   * person created that no step acts on: service credentials, instances); verified by that listing.
   */
  recordsOnly?: boolean;
  /**
   * A review an approver makes in a modal of one of the system's features before the step can end
   * (which SSH keys are the person's): the checklist shows the feature's button beside the step
   * until it is verified, its value `<request id>|<step id>`.
   */
  review?: {
    feature: string;
    button: string;
    label: string;
    /**
     * A step of the disable phase that looks where the review does (same scope): where it could not
     * look, neither can this step, so no review is asked there while the deletion waits.
     */
    sameLookAs?: string;
  };
  /** Runs after the scope's other steps have finished: removing the person from the account itself. */
  closing?: boolean;
  /**
   * A task done outside the bot (retrieving a laptop): its job opens it in the checklist and waits
   * for a person to attest it, instead of acting and reading back (src/runs/task-step.ts).
   */
  task?: { instructions: string; attesters: Attesters };
  /**
   * Each item the step finds is a task done outside the bot (removing a key from a server's
   * authorized_keys), attested one by one by an approver (src/runs/item-tasks-step.ts): the step
   * ends attested once every item is, and is verified by its inventory when it finds none.
   * `instructions` say what to do with each item; the item's label and detail say where.
   */
  attestItems?: { instructions: string };
  /** What the step can do in `scope` with the system's client; building it calls nothing. */
  connect(client: C, scope: string): StepCapabilities;
}

/**
 * A target system, as it plugs in: its own settings, read from its own variables, and switched on
 * by one of them, and its steps. Nothing outside the system's folder and the registry line in
 * `jobs/systems.ts` knows what the system is.
 */
export interface SystemModule<C = unknown> {
  /** Stable id, the first part of every step id, and the name of its folders under src/connectors/ and src/simulators/. */
  id: string;
  title: string;
  /** What one scope is called in messages: 'account', 'workspace'. */
  scopeNoun: string;
  /**
   * What offboarding here does not reach, as clauses the checklist lists and the evidence prints
   * ("sessions … stay valid until they expire (up to an hour)"): no green step may pass for it.
   */
  notCovered: string[];
  /** What its secrets look like in free text, beyond the common shapes `src/redact.ts` knows: masked once it is switched on. */
  secretShapes?: SecretShapes;
  /** In the order they are shown; a `closing` step runs after the others of its scope. */
  steps: readonly SystemStep<C>[];
  /** The variable whose presence switches the system on. */
  switchedOnBy: string;
  /** The schema of its variables (its `settings.ts`), each described: docs/configuration.md is generated from it. */
  variables: z.ZodObject;
  /** Reads the system's variables once it is switched on; every problem is returned, none thrown. */
  configure(env: Readonly<Record<string, string>>): SystemSettings<C> | { problems: string[] };
}

export interface SystemSettings<C> {
  /** Where it offboards: each configured account, a workspace or org. */
  scopes: string[];
  /** Values that must never be shown anywhere (masked by `registerSecrets`). */
  secrets: string[];
  /** What start-up logs about it: never a secret. */
  summary: Record<string, unknown>;
  connect(context: ConnectContext): C;
  /** Fails, naming the setting to fix, when the system refuses the bot's credentials. */
  checkStartup(client: C): Promise<void>;
  /**
   * Every identity of the person in one scope, found once per round and scope and used by every
   * step there. A round identifies its scopes one by one and keeps each answer, so a fault in one
   * account never costs the others' work again. `earlier` are those a previous round found in
   * this scope: someone removed from an account can no longer be found by email there, but what
   * they held there still has to be found by their id. `asker` is the same for every attempt of one
   * identification (see StepContext.asker).
   */
  identify(client: C, person: Person, scope: string, earlier: Identity[], asker?: string): Promise<Identity[]>;
  /**
   * Who the bot's own credentials of this system belong to, asked of the system itself: matched
   * exactly against the ids of the identities `identify` finds. Offboarding such a person would
   * remove the bot's own access, so it is refused. A system whose credential belongs to no person
   * need not implement it.
   */
  credentialOwners?(client: C): Promise<CredentialOwner[]>;
  /**
   * Work of the system's own beyond one person's offboarding (src/connectors/system-feature.ts):
   * jobs, schedules, `/offboard` verbs and buttons, served by generic listeners and one worker.
   */
  features?: SystemFeature<C>[];
}

/** A credential the bot runs as, and the id (as `Identity.id`) of whom it belongs to. */
export interface CredentialOwner {
  id: string;
  /** The setting that holds it (one of the system's variables). */
  credential: string;
}

/** A system switched on by the configuration, with its settings read. */
export interface ConfiguredSystem<C = unknown> {
  module: SystemModule<C>;
  settings: SystemSettings<C>;
}

/** A configured system with its client, as a worker holds it. */
export interface ConnectedSystem<C = unknown> extends ConfiguredSystem<C> {
  client: C;
}
