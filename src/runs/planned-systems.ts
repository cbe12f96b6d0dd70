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
    const capabilities = steps.flatMap((step) => settings.scopes.map((scope) => ({ step, scope, caps: step.capabilities({ systems }, scope) })));
    const phases = new Map(capabilities.map(({ step, scope, caps }) => [`${step.name}@${scope}`, phasesOf(caps)]));
    // Said once per step and reason, whatever the number of scopes it is missing from.
    const unavailable = [...new Set(capabilities.flatMap(({ step, caps }) => (caps.unavailable ? [`${step.title}: not checked (${caps.unavailable})`] : [])))];
    return {
      id: module.id,
      title: module.title,
      scopeNoun: module.scopeNoun,
      scopes: settings.scopes,
      steps,
      phasesOf: (step, scope) => phases.get(`${step.name}@${scope}`) ?? [],
      notCovered: [...module.notCovered, ...unavailable],
    };
  });
}
