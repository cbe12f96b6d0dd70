import type { Phase } from '../audit/audit-event.js';
import type { StepCapabilities } from '../connectors/connector.js';

/**
 * The phases a step takes part in, read from what it can do (see `action` in step-job.ts): a disable
 * needs a disable action; a delete is every step's that removes or reports (its delete action, else
 * its disable again, so anything granted since goes too); a reinstatement needs a restore. A step
 * that can only list reports what it finds, as residual access, in both removing phases. A step
 * unavailable as the system is configured takes part in none.
 */
export function phasesOf(capabilities: StepCapabilities): Phase[] {
  if (capabilities.unavailable) return [];
  const reportsOnly = !capabilities.disable && !capabilities.delete && !capabilities.restore;
  return [
    ...(capabilities.disable || reportsOnly ? (['disable'] as const) : []),
    ...(capabilities.delete || capabilities.disable || reportsOnly ? (['delete'] as const) : []),
    ...(capabilities.restore ? (['reinstate'] as const) : []),
  ];
}
