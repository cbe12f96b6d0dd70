import type { SystemDeclaration } from '../../connectors/system-kinds.js';
import type { SimulatorKit } from '../kit.js';

/**
 * A manual task (`kind: manual`) calls no system, so there is nothing to simulate: its entry goes
 * into the systems file as declared, and people attest it in the simulated Slack workspace.
 */
export function declaredKit(declaration: SystemDeclaration): SimulatorKit<undefined, undefined> {
  return {
    start: async () => ({ simulator: undefined, env: {}, declaration, close: async () => {} }),
    // The suite's cases are about a system's answers (absent, disabled, paging, 429, read-back); a
    // task has none. What replaces them, attestation, is test/conformance/attestation.test.ts.
    conformance: () => Promise.reject(new Error(`${declaration.id}: a manual task calls no system, so the conformance suite does not apply to it`)),
  };
}
