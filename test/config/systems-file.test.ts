import { chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYSTEMS } from '../../jobs/systems.js';
import { loadConfig } from '../../src/config/config.js';
import { BOT_ENV, configFile, configProblems } from '../support/config-env.js';

const GITHUB = `
  - id: github
    kind: scim
    name: GitHub Enterprise
    base_url: https://api.github.com/scim/v2/enterprises/acme/
    token_env: GITHUB_SCIM_TOKEN
    profile: github-emu`;

const ZOOM = `
  - id: zoom
    kind: scim
    name: Zoom
    base_url: https://api.zoom.us/scim2
    token_env: ZOOM_SCIM_TOKEN
    profile: rfc
    timeout_ms: 5000`;

describe('systems declared in OFFBOARD_SYSTEMS_FILE', () => {
  it('join the built-in ones, each switched on with the token its variable holds, in the order of the file', () => {
    const file = configFile('systems.yaml', `systems:${GITHUB}${ZOOM}\n`);
    const config = loadConfig(
      {
        ...BOT_ENV,
        SLACK_ADMIN_TOKEN: 'xoxp-admin-token',
        OFFBOARD_SYSTEMS_FILE: file,
        GITHUB_SCIM_TOKEN: 'ghp-scim-token',
        ZOOM_SCIM_TOKEN: 'zoom-scim-token',
      },
      SYSTEMS,
    );

    expect(config.modules.map((m) => m.id)).toEqual([...SYSTEMS.map((m) => m.id), 'github', 'zoom']);
    expect(config.systems.map((s) => [s.module.id, s.module.title])).toEqual([
      ['slack', 'Slack'],
      ['github', 'GitHub Enterprise'],
      ['zoom', 'Zoom'],
    ]);
    const [, github, zoom] = config.systems;
    expect(github!.module.steps.map((s) => s.step)).toEqual(['groups', 'account']);
    expect(github!.settings.secrets).toEqual(['ghp-scim-token']);
    expect(zoom!.settings.summary).toEqual({ baseUrl: 'https://api.zoom.us/scim2/', profile: 'rfc', timeoutMs: 5000 });
  });

  it('a declared system alone is enough to start', () => {
    const config = loadConfig(
      { ...BOT_ENV, OFFBOARD_SYSTEMS_FILE: configFile('systems.yaml', `systems:${GITHUB}\n`), GITHUB_SCIM_TOKEN: 'ghp-scim-token' },
      SYSTEMS,
    );

    expect(config.systems.map((s) => s.module.id)).toEqual(['github']);
  });

  it('a declared system whose token variable is not set is a problem naming the variable, listed with the others', () => {
    const problems = configProblems({ ...BOT_ENV, SLACK_BOT_TOKEN: '', OFFBOARD_SYSTEMS_FILE: configFile('systems.yaml', `systems:${GITHUB}\n`) });

    expect(problems).toEqual([
      'SLACK_BOT_TOKEN is required (xoxb-… from OAuth & Permissions)',
      'GITHUB_SCIM_TOKEN is not set: GitHub Enterprise (declared in OFFBOARD_SYSTEMS_FILE) needs its SCIM token there',
    ]);
  });

  it('lists every problem of every entry at once, with the bot’s own and those of the entries that hold', () => {
    const file = configFile(
      'systems.yaml',
      `systems:${GITHUB}
  - id: GitHub!
    kind: scim
    base_url: https://example.com/scim/
  - id: ldap
    kind: ldap
    name: Directory
  - id: zoom
    kind: scim
    name: Zoom
    base_url: ftp://zoom.example/scim
    token_env: zoom_token
    profile: gitlab
  - id: github
    kind: scim
    name: GitHub again
    base_url: https://example.com/scim/
    token_env: OTHER_SCIM_TOKEN
    profile: rfc
  - id: slack
    kind: scim
    name: Another Slack
    base_url: https://example.com/scim/
    token_env: OTHER_SCIM_TOKEN
    profile: rfc
  - id: box
    kind: scim
    name: Box
    base_url: https://example.com/scim/
    token: s3cr3t-in-the-file
    token_env: SLACK_BOT_TOKEN
    profile: rfc
  - id: miro
    kind: scim
    name: Miro
    base_url: https://example.com/scim/
    token_env: MIRO_SCIM_TOKEN
    profile: rfc
    pagesize: 10
`,
    );
    const problems = configProblems({ ...BOT_ENV, OFFBOARD_APPROVERS: 'nobody', OFFBOARD_SYSTEMS_FILE: file });

    expect(problems).toEqual([
      'OFFBOARD_APPROVERS must be one user group id (S…) or a comma list of user ids (U…)',
      'OFFBOARD_SYSTEMS_FILE systems[1] (GitHub!): id: id must be lowercase letters, digits and dashes, starting with a letter (at most 40): it goes into job ids and Redis keys',
      'OFFBOARD_SYSTEMS_FILE systems[1] (GitHub!): name: name is required',
      'OFFBOARD_SYSTEMS_FILE systems[2] (ldap): kind: "ldap" is not a kind of system the bot knows: one of scim, manual',
      'OFFBOARD_SYSTEMS_FILE systems[3] (zoom): base_url: base_url must be an http(s) URL',
      'OFFBOARD_SYSTEMS_FILE systems[3] (zoom): token_env: the name of an environment variable, e.g. GITHUB_SCIM_TOKEN',
      'OFFBOARD_SYSTEMS_FILE systems[4] (github): id: "github" is already systems[0]\'s: each system needs an id of its own',
      'OFFBOARD_SYSTEMS_FILE systems[5] (slack): id: "slack" is already the built-in system Slack: each system needs an id of its own',
      'OFFBOARD_SYSTEMS_FILE systems[6] (box): token: a secret is never written in the file: name the environment variable that holds it (token_env)',
      "OFFBOARD_SYSTEMS_FILE systems[6] (box): SLACK_BOT_TOKEN is one of the bot's own settings: name a variable of its own",
      'OFFBOARD_SYSTEMS_FILE systems[7] (miro): Unrecognized key: "pagesize"',
      // The entries that hold are configured still: their own problems are listed too.
      'GITHUB_SCIM_TOKEN is not set: GitHub Enterprise (declared in OFFBOARD_SYSTEMS_FILE) needs its SCIM token there',
    ]);
    // Never a value: not the secret written in the file.
    expect(problems.join('\n')).not.toContain('s3cr3t');
  });

  it('an unknown profile names the profiles there are', () => {
    const file = configFile('systems.yaml', `systems:${GITHUB.replace('github-emu', 'gitlab')}\n`);

    expect(configProblems({ ...BOT_ENV, OFFBOARD_SYSTEMS_FILE: file, GITHUB_SCIM_TOKEN: 'ghp-scim-token' })).toEqual([
      'OFFBOARD_SYSTEMS_FILE systems[0] (github): profile: unknown SCIM profile "gitlab": one of rfc, github-emu, atlassian, aws-identity-center, entra-app',
    ]);
  });

  it('a token variable that is one of the bot’s own settings or a built-in system’s is refused: the secret would be another’s', () => {
    const file = configFile(
      'systems.yaml',
      `systems:${GITHUB.replace('GITHUB_SCIM_TOKEN', 'SLACK_BOT_TOKEN')}${ZOOM.replace('ZOOM_SCIM_TOKEN', 'SLACK_ADMIN_TOKEN')}\n`,
    );

    expect(configProblems({ ...BOT_ENV, OFFBOARD_SYSTEMS_FILE: file })).toEqual([
      "OFFBOARD_SYSTEMS_FILE systems[0] (github): SLACK_BOT_TOKEN is one of the bot's own settings: name a variable of its own",
      'OFFBOARD_SYSTEMS_FILE systems[1] (zoom): SLACK_ADMIN_TOKEN is a setting of Slack: name a variable of its own',
    ]);
  });

  it('a file that cannot be read, is not YAML or is not a list of systems says so, never echoing its path', () => {
    const missing = join(tmpdir(), 'offboard-no-such-dir', 'systems.yaml');
    expect(configProblems({ ...BOT_ENV, OFFBOARD_SYSTEMS_FILE: missing })).toEqual([
      'OFFBOARD_SYSTEMS_FILE cannot be read (ENOENT): it must name a YAML file declaring systems (docs/configuration.md)',
    ]);
    const unreadable = configFile('systems.yaml', `systems:${GITHUB}\n`);
    chmodSync(unreadable, 0o000);
    if (process.getuid?.() !== 0)
      expect(configProblems({ ...BOT_ENV, OFFBOARD_SYSTEMS_FILE: unreadable })[0]).toMatch(/^OFFBOARD_SYSTEMS_FILE cannot be read \(EACCES\)/);

    const broken = configProblems({ ...BOT_ENV, OFFBOARD_SYSTEMS_FILE: configFile('systems.yaml', 'systems:\n  - id: github\n   kind: [scim\n') });
    expect(broken.length).toBeGreaterThan(0);
    for (const problem of broken) expect(problem).toMatch(/^OFFBOARD_SYSTEMS_FILE is not valid YAML: .* at line \d+/);

    expect(configProblems({ ...BOT_ENV, OFFBOARD_SYSTEMS_FILE: configFile('systems.yaml', 'system:\n  - id: github\n') })).toEqual([
      'OFFBOARD_SYSTEMS_FILE: systems: systems must be a list of systems',
      'OFFBOARD_SYSTEMS_FILE: Unrecognized key: "system"',
    ]);
  });
});
