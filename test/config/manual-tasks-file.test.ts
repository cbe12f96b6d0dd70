import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYSTEMS } from '../../jobs/systems.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { TASK_TEMPLATES } from '../../src/connectors/manual/templates.js';

const BOT: Record<string, string> = {
  SLACK_BOT_TOKEN: 'xoxb-1111-2222-abcdef',
  SLACK_SIGNING_SECRET: 'signing-secret-for-tests',
  OFFBOARD_APPROVAL_CHANNEL: 'C0APPROVAL',
  OFFBOARD_APPROVERS: 'S0ITAPPROV',
};

function load(yaml: string, env: Record<string, string> = {}) {
  const file = join(mkdtempSync(join(tmpdir(), 'offboard-systems-')), 'systems.yaml');
  writeFileSync(file, yaml);
  return loadConfig({ ...BOT, OFFBOARD_SYSTEMS_FILE: file, ...env }, SYSTEMS);
}

function problemsOf(yaml: string): string[] {
  try {
    load(yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused, but it parsed');
}

describe('manual tasks declared in OFFBOARD_SYSTEMS_FILE (kind: manual)', () => {
  it('a task names its instructions and who may attest it: a user group, or user ids', () => {
    const config = load(`systems:
  - id: badge
    kind: manual
    name: Door badge
    attesters: S0FACILITY
    instructions: Disable the badge in the access-control console.
  - id: wiki
    kind: manual
    name: Team wiki (no API)
    attesters: [U0ALEX001, U0RILEY01]
    instructions: Remove them from the wiki's members page.
`);
    expect(config.systems.map((s) => [s.module.id, s.module.title, s.settings.scopes])).toEqual([
      ['badge', 'Door badge', ['task']],
      ['wiki', 'Team wiki (no API)', ['task']],
    ]);
    const [badge, wiki] = config.systems.map((s) => s.module.steps[0]!.task);
    expect(badge).toEqual({ instructions: 'Disable the badge in the access-control console.', attesters: { kind: 'usergroup', id: 'S0FACILITY' } });
    expect(wiki?.attesters).toEqual({ kind: 'users', ids: ['U0ALEX001', 'U0RILEY01'] });
  });

  it('a shipped template (laptop, phone, badge) is switched on with one line, and the entry may override its name', () => {
    const config = load(`systems:
  - { template: laptop, attesters: S0ITDESK }
  - { template: phone, attesters: U0ALEX001 }
  - { template: badge, attesters: S0FACILITY, name: HQ door badge }
`);
    expect(config.systems.map((s) => [s.module.id, s.module.title])).toEqual([
      ['laptop', 'Laptop'],
      ['phone', 'Company phone'],
      ['badge', 'HQ door badge'],
    ]);
    expect(config.systems[0]!.module.steps[0]!.task?.instructions).toBe(TASK_TEMPLATES.laptop!.instructions);
    expect(Object.keys(TASK_TEMPLATES)).toEqual(['laptop', 'phone', 'badge']);
  });

  it('lists every problem of every task at once, each naming its entry and field', () => {
    const problems = problemsOf(`systems:
  - id: badge
    kind: manual
    name: Door badge
    attesters: alice
  - id: laptop
    kind: manual
    name: Laptop
    attesters: S0IT, U0ALEX001
  - { template: tablet, attesters: S0IT }
  - id: keys
    kind: manual
    name: Office keys
    attesters: S0FACILITY
    colour: red
`);
    expect(problems).toEqual([
      'OFFBOARD_SYSTEMS_FILE systems[0] (badge): instructions: instructions are required (or a template that has them)',
      'OFFBOARD_SYSTEMS_FILE systems[0] (badge): attesters: attesters must be one user group id (S…) or user ids (U…)',
      'OFFBOARD_SYSTEMS_FILE systems[1] (laptop): instructions: instructions are required (or a template that has them)',
      'OFFBOARD_SYSTEMS_FILE systems[1] (laptop): attesters: attesters must be one user group id (S…) or user ids (U…)',
      'OFFBOARD_SYSTEMS_FILE systems[2] (tablet): template: template must be one of laptop, phone, badge',
      'OFFBOARD_SYSTEMS_FILE systems[3] (keys): Unrecognized key: "colour"',
      'OFFBOARD_SYSTEMS_FILE systems[3] (keys): instructions: instructions are required (or a template that has them)',
    ]);
  });
});
