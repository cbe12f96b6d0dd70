import type { WebClient } from '@slack/web-api';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { Reason } from '../requests/request.js';
import type { RequestStore } from '../requests/request-store.js';
import type { MessageToPost, Posted } from '../slack/posted-messages.js';

/** Who the request form names: a Slack user, or an email for someone who has no Slack user (as `/offboard jane@acme.com`). */
export type FormPrefill = ({ personId: string; personEmail?: never } | { personEmail: string; personId?: never }) & { reason: Reason };

/**
 * What the bot lends a system's features, one host per system: built by the composition root,
 * which names no system. Every name a feature gives here (a job, a message kind, a key) is its own:
 * the host puts the system's id in front of it.
 */
export interface FeatureHost {
  /** The approval channel: where a feature's messages go. */
  channel: string;
  slack: WebClient;
  /** Posts a message of one of the feature's kinds about `id` once, across retries and lost answers. */
  postOnce(kind: string, id: string, message: MessageToPost): Promise<Posted>;
  redis: Redis;
  /** A Redis key of the system's own. */
  key(part: string): string;
  /** The offboarding requests: who is being offboarded, and who was. */
  store: RequestStore;
  logger: Logger;
  /**
   * Why `userId` may not use an approver's power (`what`, as the refusal says it), read from Slack
   * now; undefined when they may. A refusal because a request about them is open is recorded in the
   * trail of the request it was used on (`requestId`), else in the trail of the request about them.
   */
  approverRefusal(userId: string, what: string, requestId?: string): Promise<string | undefined>;
  /**
   * Opens the request form for the one who clicked, pre-filled with the person (their Slack user, or
   * their email when they have none) and the reason; anyone may file a request.
   */
  openRequestForm(triggerId: string, prefill: FormPrefill): Promise<void>;
  /**
   * Queues one of the feature's jobs on the shared queue, retried as the bot's jobs are
   * (OFFBOARD_JOB_ATTEMPTS); the same `jobId` while one is queued adds nothing.
   */
  enqueue(job: string, data: Record<string, unknown>, options: { jobId: string; keepFailed?: boolean }): Promise<void>;
  /**
   * Records in the request's trail that `by` made the review its step `stepId` waits for (what was
   * decided stays the feature's), and refreshes the checklist, which says so.
   */
  reviewed(requestId: string, stepId: string, by: string): Promise<void>;
  now(): number;
}

/**
 * One of a feature's jobs, as the generic worker of the shared queue runs it. Declared as a method,
 * so a system's feature (its client's type) joins the registry of systems of every client type, as
 * its steps' `connect` does.
 */
export type FeatureJob<C> = { run(job: Job, run: { client: C; host: FeatureHost; token?: string }): Promise<void> }['run'];

/** A job scheduler the worker upserts at start; any other schedule of the shared queue (one an earlier configuration left) is removed. */
export interface FeatureSchedule {
  /** Its id, under the system's. */
  id: string;
  cron: string;
  /** IANA time zone `cron` is read in. */
  tz: string;
  /** The feature's job it adds, with this data. */
  job: string;
  data: Record<string, unknown>;
}

/** `/offboard <verb>`, answered after the command is acknowledged. */
export interface FeatureVerb {
  /** Its line of `/offboard help`, without the bullet. */
  help: string;
  run(ask: { userId: string; reply(text: string): Promise<void> }, host: FeatureHost): Promise<void>;
}

/** A click on one of the feature's buttons, acknowledged already, as the generic listener read it. */
export interface FeatureClick {
  userId: string;
  triggerId: string;
  channelId: string;
  /** The thread of the clicked message (its own ts when it starts one). */
  threadTs: string;
  /** The button's value, as the feature's builder set it: the feature checks it. */
  value: string;
  /** Tells the clicker privately. */
  tell(text: string): Promise<void>;
}

export type FeatureButton = (click: FeatureClick, host: FeatureHost) => Promise<void>;

/**
 * A submission of one of the feature's modals (its callback id `<system>.<feature>.<modal>`), as the
 * generic listener read it: acknowledged already, the modal showing "Recording…" until `show`.
 */
export interface FeatureSubmissionOf {
  userId: string;
  /** As the feature's builder set it: the feature checks it. */
  privateMetadata: string;
  /** The modal's `state.values`, for the feature to read. */
  values: unknown;
  /** Replaces the modal's text with the outcome. */
  show(text: string): Promise<void>;
}

export type FeatureSubmission = (submission: FeatureSubmissionOf, host: FeatureHost) => Promise<void>;

/**
 * Work of a system's own beyond one person's offboarding (a cloud's sweep of inactive identities):
 * jobs on the shared queue QUEUES.systems, their schedules, `/offboard` verbs and buttons. Ids the
 * bot sees are the system's id in front of the feature's names: the job `<system>.<job>`, the
 * button `<system>.<feature>.<button>`.
 */
export interface SystemFeature<C> {
  /** 'sweep': the middle part of its buttons' action ids. */
  name: string;
  jobs?: Record<string, FeatureJob<C>>;
  schedules?: FeatureSchedule[];
  /** Offered when no built-in verb is the word typed. */
  verbs?: Record<string, FeatureVerb>;
  buttons?: Record<string, FeatureButton>;
  /** Modal submissions by name; the callback id is `<system id>.<feature>.<name>` (`featureActionId`), which its builder sets. */
  modals?: Record<string, FeatureSubmission>;
}

/** The action id of a feature's button: what its Block Kit builder sets and the generic listener routes. */
export const featureActionId = <S extends string, F extends string, B extends string>(system: S, feature: F, button: B) =>
  `${system}.${feature}.${button}` as `${S}.${F}.${B}`;

/** The name of a feature's job on the shared queue. */
export const featureJobName = <S extends string, J extends string>(system: S, job: J) => `${system}.${job}` as `${S}.${J}`;
