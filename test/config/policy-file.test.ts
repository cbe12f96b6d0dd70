import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYSTEMS } from '../../jobs/systems.js';
import { DEFAULT_POLICY, ruleFor, type RuleFacts } from '../../src/requests/approval-rules.js';
import { loadConfig } from '../../src/config/config.js';
import { COMPLETE_ENV, configFile, configProblems } from '../support/config-env.js';

const facts = (over: Partial<RuleFacts> = {}): RuleFacts => ({
  reason: 'resignation',
  privileged: false,
  accountOwner: false,
  identities: 1,
  bulk: false,
  subjectGroups: new Set(),
  ...over,
});

describe('OFFBOARD_POLICY_FILE', () => {
  it('without a file: two approvals for a termination for cause and for someone privileged, one otherwise, any rejection ends it', () => {
    const { policy } = loadConfig(COMPLETE_ENV, SYSTEMS);
    expect(policy).toEqual(DEFAULT_POLICY);
    expect(ruleFor(policy, facts({ reason: 'termination_for_cause' }))).toMatchObject({ approvals: 2, rejections: 1, typedConfirmation: false });
    expect(ruleFor(policy, facts({ privileged: true }))).toMatchObject({ name: 'Privileged person', approvals: 2 });
    expect(ruleFor(policy, facts({ reason: 'contract_end' }))).toMatchObject({ name: 'Everyone else', approvals: 1 });
    expect(ruleFor(policy, facts()).approverGroups).toBeUndefined();
  });

  it('reads YAML: the first rule whose every condition holds decides, top to bottom', () => {
    const file = configFile(
      'policy.yaml',
      `# Security signs off terminations for cause and owners of accounts, typing who leaves.
rules:
  - name: For cause or account owner
    when: { reasons: [termination_for_cause] }
    approvals: 2
    approverGroups: [S0SECURE]
    rejections: 2
    typedConfirmation: true
  - name: Contractors with many identities
    when:
      subjectGroups: [S0CONTRACT]
      identitiesOver: 3
    approvals: 2
  - name: Account owner
    when: { accountOwner: true }
    approvals: 3
  - name: Everyone else
    approvals: 1
`,
    );
    const { policy } = loadConfig({ ...COMPLETE_ENV, OFFBOARD_POLICY_FILE: file }, SYSTEMS);
    expect(ruleFor(policy, facts({ reason: 'termination_for_cause', accountOwner: true }))).toEqual({
      name: 'For cause or account owner',
      when: { reasons: ['termination_for_cause'] },
      approvals: 2,
      approverGroups: ['S0SECURE'],
      rejections: 2,
      typedConfirmation: true,
    });
    expect(ruleFor(policy, facts({ subjectGroups: new Set(['S0CONTRACT']), identities: 4 })).name).toBe('Contractors with many identities');
    expect(ruleFor(policy, facts({ subjectGroups: new Set(['S0CONTRACT']), identities: 3 })).name).toBe('Everyone else');
    expect(ruleFor(policy, facts({ accountOwner: true })).approvals).toBe(3);
  });

  it('a bulk condition matches the people of a request for several at once, and only them', () => {
    const file = configFile('bulk.yaml', 'rules:\n  - { name: Bulk, when: { bulk: true }, approvals: 2 }\n  - { name: Everyone else, approvals: 1 }\n');
    const { policy } = loadConfig({ ...COMPLETE_ENV, OFFBOARD_POLICY_FILE: file }, SYSTEMS);
    expect(ruleFor(policy, facts({ bulk: true }))).toMatchObject({ name: 'Bulk', approvals: 2 });
    expect(ruleFor(policy, facts({ bulk: false })).name).toBe('Everyone else');
  });

  it('reads JSON; a request no rule matches needs one approval from the approvers', () => {
    const file = configFile('policy.json', JSON.stringify({ rules: [{ name: 'Privileged', when: { privileged: true }, approvals: 2 }] }));
    const { policy } = loadConfig({ ...COMPLETE_ENV, OFFBOARD_POLICY_FILE: file }, SYSTEMS);
    expect(ruleFor(policy, facts({ privileged: true })).approvals).toBe(2);
    expect(ruleFor(policy, facts())).toMatchObject({ name: 'No rule matched', approvals: 1 });
  });

  it('lists every problem in the file, each with where it is, together with the other settings’ problems', () => {
    const file = configFile(
      'bad.yaml',
      `rules:
  - name: Everyone
    approvals: 1
  - name: ""
    when: { reasons: [fired], privileged: maybe, department: IT }
    approvals: 0
    approverGroups: [security]
    aprovals: 2
`,
    );
    expect(configProblems({ ...COMPLETE_ENV, OFFBOARD_APPROVAL_CHANNEL: 'approvals', OFFBOARD_POLICY_FILE: file })).toEqual([
      'OFFBOARD_APPROVAL_CHANNEL must be a channel id such as C0123ABCD, not a name',
      'OFFBOARD_POLICY_FILE: rules[1].name: Too small: expected string to have >=1 characters',
      'OFFBOARD_POLICY_FILE: rules[1].when.reasons[0]: must be one of resignation, termination, termination_for_cause, role_change, contract_end, inactive_identity',
      'OFFBOARD_POLICY_FILE: rules[1].when.privileged: Invalid input: expected boolean, received string',
      'OFFBOARD_POLICY_FILE: rules[1].when: Unrecognized key: "department"',
      'OFFBOARD_POLICY_FILE: rules[1].approvals: Too small: expected number to be >=1',
      'OFFBOARD_POLICY_FILE: rules[1].approverGroups[0]: must be a Slack user group id such as S0123ABCD',
      'OFFBOARD_POLICY_FILE: rules[1]: Unrecognized key: "aprovals"',
    ]);
  });

  it('refuses a rule that can never apply, after one that matches every request', () => {
    const file = configFile(
      'unreachable.yaml',
      'rules:\n  - { name: Everyone, approvals: 1 }\n  - { name: For cause, when: { reasons: [termination_for_cause] }, approvals: 2 }\n',
    );
    expect(configProblems({ ...COMPLETE_ENV, OFFBOARD_POLICY_FILE: file })).toEqual([
      'OFFBOARD_POLICY_FILE: rules[1]: can never apply: rule "Everyone" before it has no conditions and matches every request',
    ]);
  });

  it('refuses a file that is not YAML, one without rules, and one that cannot be read, naming the setting', () => {
    expect(configProblems({ ...COMPLETE_ENV, OFFBOARD_POLICY_FILE: configFile('broken.yaml', 'rules: [ { name: x\n') })).toEqual([
      expect.stringMatching(/^OFFBOARD_POLICY_FILE is not YAML or JSON: /),
    ]);
    expect(configProblems({ ...COMPLETE_ENV, OFFBOARD_POLICY_FILE: configFile('empty.yaml', 'rules: []\n') })).toEqual([
      'OFFBOARD_POLICY_FILE: rules: must hold at least one rule',
    ]);
    expect(configProblems({ ...COMPLETE_ENV, OFFBOARD_POLICY_FILE: join(tmpdir(), 'offboard-no-such-dir', 'missing.yaml') })).toEqual([
      'OFFBOARD_POLICY_FILE cannot be read (ENOENT): it must name a YAML or JSON file of approval rules',
    ]);
  });
});
