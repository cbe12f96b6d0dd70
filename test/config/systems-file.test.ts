import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYSTEMS } from '../../jobs/systems.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';

/** The bot's own settings, with no built-in system switched on: the file's systems are the only ones. */
const BOT: Record<string, string> = {
  SLACK_BOT_TOKEN: 'xoxb-1111-2222-abcdef',
  SLACK_SIGNING_SECRET: 'signing-secret-for-tests',
  OFFBOARD_APPROVAL_CHANNEL: 'C0APPROVAL',
  OFFBOARD_APPROVERS: 'S0ITAPPROV',
};

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

/** A systems file with `text` in it, as an operator writes one. */
function systemsFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'offboard-systems-')), 'systems.yaml');
  writeFileSync(file, text);
  return file;
}

function problemsWith(env: Record<string, string>): string[] {
  try {
    loadConfig(env, SYSTEMS);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused, but it parsed');
}

describe('systems declared in OFFBOARD_SYSTEMS_FILE', () => {
  it('join the built-in ones, each switched on with the token its variable holds, in the order of the file', () => {
    const file = systemsFile(`systems:${GITHUB}${ZOOM}\n`);
    const config = loadConfig(
      {
        ...BOT,
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
    const config = loadConfig({ ...BOT, OFFBOARD_SYSTEMS_FILE: systemsFile(`systems:${GITHUB}\n`), GITHUB_SCIM_TOKEN: 'ghp-scim-token' }, SYSTEMS);

    expect(config.systems.map((s) => s.module.id)).toEqual(['github']);
  });

  it('a declared system whose token variable is not set is a problem naming the variable, listed with the others', () => {
    const problems = problemsWith({ ...BOT, SLACK_BOT_TOKEN: '', OFFBOARD_SYSTEMS_FILE: systemsFile(`systems:${GITHUB}\n`) });

    expect(problems).toEqual([
      'SLACK_BOT_TOKEN is required (xoxb-… from OAuth & Permissions)',
      'GITHUB_SCIM_TOKEN is not set: GitHub Enterprise (declared in OFFBOARD_SYSTEMS_FILE) needs its SCIM token there',
    ]);
  });

  it('lists every problem of every entry at once, with the bot’s own and those of the entries that hold', () => {
    const file = systemsFile(`systems:${GITHUB}
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
`);
    const problems = problemsWith({ ...BOT, OFFBOARD_APPROVERS: 'nobody', OFFBOARD_SYSTEMS_FILE: file });

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
    const file = systemsFile(`systems:${GITHUB.replace('github-emu', 'gitlab')}\n`);

    expect(problemsWith({ ...BOT, OFFBOARD_SYSTEMS_FILE: file, GITHUB_SCIM_TOKEN: 'ghp-scim-token' })).toEqual([
      'OFFBOARD_SYSTEMS_FILE systems[0] (github): profile: unknown SCIM profile "gitlab": one of rfc, github-emu, atlassian, aws-identity-center, entra-app',
    ]);
  });

  it('a token variable that is one of the bot’s own settings or a built-in system’s is refused: the secret would be another’s', () => {
    const file = systemsFile(`systems:${GITHUB.replace('GITHUB_SCIM_TOKEN', 'SLACK_BOT_TOKEN')}${ZOOM.replace('ZOOM_SCIM_TOKEN', 'SLACK_ADMIN_TOKEN')}\n`);

    expect(problemsWith({ ...BOT, OFFBOARD_SYSTEMS_FILE: file })).toEqual([
      "OFFBOARD_SYSTEMS_FILE systems[0] (github): SLACK_BOT_TOKEN is one of the bot's own settings: name a variable of its own",
      'OFFBOARD_SYSTEMS_FILE systems[1] (zoom): SLACK_ADMIN_TOKEN is a setting of Slack: name a variable of its own',
    ]);
  });

  it('a file that cannot be read, is not YAML or is not a list of systems says so, never echoing its path', () => {
    const missing = join(tmpdir(), 'offboard-no-such-dir', 'systems.yaml');
    expect(problemsWith({ ...BOT, OFFBOARD_SYSTEMS_FILE: missing })).toEqual([
      'OFFBOARD_SYSTEMS_FILE cannot be read (ENOENT): it must name a YAML file declaring systems (docs/configuration.md)',
    ]);
    const unreadable = systemsFile(`systems:${GITHUB}\n`);
    chmodSync(unreadable, 0o000);
    if (process.getuid?.() !== 0)
      expect(problemsWith({ ...BOT, OFFBOARD_SYSTEMS_FILE: unreadable })[0]).toMatch(/^OFFBOARD_SYSTEMS_FILE cannot be read \(EACCES\)/);

    const broken = problemsWith({ ...BOT, OFFBOARD_SYSTEMS_FILE: systemsFile('systems:\n  - id: github\n   kind: [scim\n') });
    expect(broken.length).toBeGreaterThan(0);
    for (const problem of broken) expect(problem).toMatch(/^OFFBOARD_SYSTEMS_FILE is not valid YAML: .* at line \d+/);

    expect(problemsWith({ ...BOT, OFFBOARD_SYSTEMS_FILE: systemsFile('system:\n  - id: github\n') })).toEqual([
      'OFFBOARD_SYSTEMS_FILE: systems: systems must be a list of systems',
      'OFFBOARD_SYSTEMS_FILE: Unrecognized key: "system"',
    ]);
  });
});
