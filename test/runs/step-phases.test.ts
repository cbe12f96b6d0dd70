import { describe, expect, it } from 'vitest';
import type { RestoreAction, StepAction, StepCapabilities } from '../../src/connectors/connector.js';
import { phasesOf } from '../../src/runs/step-phases.js';

const action: StepAction = { act: async function* () {}, readBack: async () => ({ confirmed: true, remaining: [] }) };
const restore: RestoreAction = { act: async function* () {}, readBack: async () => ({ confirmed: true, remaining: [] }) };
const step = (can: Omit<StepCapabilities, 'inventory'>): StepCapabilities => ({ inventory: async () => ({ found: [] }), ...can });

describe('a step takes part in the phases its capabilities allow', () => {
  it('one that disables and restores: disabled, removed again at the deletion, reinstated', () => {
    expect(phasesOf(step({ disable: action, restore }))).toEqual(['disable', 'delete', 'reinstate']);
  });

  it('one that only deletes (the account membership): only in the deletion, never disabled or reinstated', () => {
    expect(phasesOf(step({ delete: action }))).toEqual(['delete']);
  });

  it('one that disables, deletes and restores: in every phase', () => {
    expect(phasesOf(step({ disable: action, delete: action, restore }))).toEqual(['disable', 'delete', 'reinstate']);
  });

  it('one that can only list: reports what it finds in both removing phases, and has nothing to reinstate', () => {
    expect(phasesOf(step({}))).toEqual(['disable', 'delete']);
  });

  it('one unavailable as the system is configured (VPC regions unset): in no phase, so never planned and never green', () => {
    expect(phasesOf(step({ delete: action, unavailable: 'IBMCLOUD_VPC_REGIONS is unset' }))).toEqual([]);
    expect(phasesOf(step({ unavailable: 'IBMCLOUD_VPC_REGIONS is unset' }))).toEqual([]);
  });
});
