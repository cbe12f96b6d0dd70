import type { Job } from 'bullmq';
import type { ConfiguredSystem, ConnectedSystem } from './system.js';
import {
  type FeatureButton,
  type FeatureHost,
  featureActionId,
  featureJobName,
  type FeatureSchedule,
  type FeatureSubmission,
  type FeatureVerb,
} from './system-feature.js';

const asPattern = (term: string) => term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What the generic Slack listeners route to: the features' verbs and buttons, each with its system's host. */
export interface FeatureRoutes {
  /** The verbs' lines of `/offboard help`. */
  help: string[];
  verb(word: string): { verb: FeatureVerb; host: FeatureHost } | undefined;
  button(actionId: string): { button: FeatureButton; host: FeatureHost } | undefined;
  modal(callbackId: string): { modal: FeatureSubmission; host: FeatureHost } | undefined;
  /** Every action id (and modal callback id) under a switched-on system's id, known or not: an unknown one is refused, never left unanswered. */
  actionIds: RegExp | undefined;
}

export function featureRoutes(systems: readonly ConfiguredSystem[], hostOf: (system: string) => FeatureHost): FeatureRoutes {
  const verbs = new Map<string, { verb: FeatureVerb; host: FeatureHost }>();
  const buttons = new Map<string, { button: FeatureButton; host: FeatureHost }>();
  const modals = new Map<string, { modal: FeatureSubmission; host: FeatureHost }>();
  for (const { module, settings } of systems) {
    const host = hostOf(module.id);
    for (const feature of settings.features ?? []) {
      for (const [word, verb] of Object.entries(feature.verbs ?? {})) verbs.set(word.toLowerCase(), { verb, host });
      for (const [name, button] of Object.entries(feature.buttons ?? {})) buttons.set(featureActionId(module.id, feature.name, name), { button, host });
      for (const [name, modal] of Object.entries(feature.modals ?? {})) modals.set(featureActionId(module.id, feature.name, name), { modal, host });
    }
  }
  return {
    help: [...verbs.values()].map(({ verb }) => verb.help),
    verb: (word) => verbs.get(word.toLowerCase()),
    button: (actionId) => buttons.get(actionId),
    modal: (callbackId) => modals.get(callbackId),
    actionIds: systems.length ? new RegExp(`^(?:${systems.map((s) => asPattern(s.module.id)).join('|')})\\.`) : undefined,
  };
}

/** Every feature job of the connected systems, by its name on the shared queue, bound to its client and host. */
export function featureJobsByName(systems: Iterable<ConnectedSystem>, hostOf: (system: string) => FeatureHost) {
  const jobs = new Map<string, (job: Job, token?: string) => Promise<void>>();
  for (const { module, settings, client } of systems) {
    const host = hostOf(module.id);
    for (const feature of settings.features ?? []) {
      for (const [name, run] of Object.entries(feature.jobs ?? {}))
        jobs.set(featureJobName(module.id, name), (job, token) => run(job, { client, host, token }));
    }
  }
  return jobs;
}

/** Every feature schedule of the switched-on systems, with its id on the shared queue and its job's name there. */
export function featureSchedules(systems: Iterable<ConfiguredSystem>): (FeatureSchedule & { schedulerId: string; jobName: string })[] {
  return [...systems].flatMap(({ module, settings }) =>
    (settings.features ?? []).flatMap((f) =>
      (f.schedules ?? []).map((s) => ({ ...s, schedulerId: featureJobName(module.id, s.id), jobName: featureJobName(module.id, s.job) })),
    ),
  );
}
