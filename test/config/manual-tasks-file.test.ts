import { describe, expect, it } from 'vitest';
import { SYSTEMS } from '../../jobs/systems.js';
import { loadConfig } from '../../src/config/config.js';
import { TASK_TEMPLATES } from '../../src/connectors/manual/templates.js';
import { BOT_ENV, configFile, configProblems } from '../support/config-env.js';

const problemsOf = (yaml: string) => configProblems({ ...BOT_ENV, OFFBOARD_SYSTEMS_FILE: configFile('systems.yaml', yaml) });

function load(yaml: string, env: Record<string, string> = {}) {
  return loadConfig({ ...BOT_ENV, OFFBOARD_SYSTEMS_FILE: configFile('systems.yaml', yaml), ...env }, SYSTEMS);
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
