import type { ConnectedSystem } from '../connectors/system.js';
import type { PlannedSystem } from './run-flow.js';
import { stepJobsOf } from './step-job.js';
import { phasesOf } from './step-phases.js';

/**
 * The systems switched on, as runs cover them: their configured scopes, their steps, and the phases
 * each step takes part in, read from the capabilities it has with the system's client. Building a
 * step's capabilities calls nothing, so a web process plans with clients it never calls.
 */
export function plannedSystems(systems: ReadonlyMap<string, ConnectedSystem>): PlannedSystem[] {
  return [...systems.values()].map(({ module, settings }) => {
    const steps = stepJobsOf(module);
    const phases = new Map(steps.flatMap((step) => settings.scopes.map((scope) => [`${step.name}@${scope}`, phasesOf(step.capabilities({ systems }, scope))])));
    return {
      id: module.id,
      title: module.title,
      scopeNoun: module.scopeNoun,
      scopes: settings.scopes,
      steps,
      phasesOf: (step, scope) => phases.get(`${step.name}@${scope}`) ?? [],
      notCovered: module.notCovered,
    };
  });
}
