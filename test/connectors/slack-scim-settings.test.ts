import { describe, expect, it } from 'vitest';
import { readSlackScimSettings } from '../../src/connectors/slack/settings.js';

const TOKEN = 'xoxp-1111-2222-3333-adminsecret';

describe('readSlackScimSettings', () => {
  it("defaults to Slack's SCIM v2 base, Slack's Web API (where the token's owner is asked) and a 30 s timeout", () => {
    expect(readSlackScimSettings({ SLACK_ADMIN_TOKEN: TOKEN })).toEqual({
      token: TOKEN,
      scimUrl: 'https://api.slack.com/scim/v2/',
      apiUrl: 'https://slack.com/api/',
      timeoutMs: 30_000,
    });
  });

  it('asks the Web API the bot uses (SLACK_API_URL) who the token belongs to', () => {
    expect(readSlackScimSettings({ SLACK_ADMIN_TOKEN: TOKEN, SLACK_API_URL: 'http://127.0.0.1:4000/api' })).toMatchObject({
      apiUrl: 'http://127.0.0.1:4000/api/',
    });
  });

  it('takes a SCIM URL (a proxy, the simulator), ending it with a slash so paths resolve under it', () => {
    const settings = readSlackScimSettings({ SLACK_ADMIN_TOKEN: TOKEN, SLACK_SCIM_URL: 'http://127.0.0.1:4000/scim/v2', SLACK_SCIM_TIMEOUT_MS: '5000' });

    expect(settings).toMatchObject({ scimUrl: 'http://127.0.0.1:4000/scim/v2/', timeoutMs: 5_000 });
  });

  it('refuses a bot token or a rotating token, naming the setting and never the value', () => {
    for (const token of ['xoxb-1111-2222-botsecret', 'xoxe.xoxp-1-rotatingsecret']) {
      const result = readSlackScimSettings({ SLACK_ADMIN_TOKEN: token });

      expect(result).toHaveProperty('problems');
      const problems = (result as { problems: string[] }).problems;
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^SLACK_ADMIN_TOKEN must be a user token starting with xoxp- with the admin scope/);
      expect(problems.join(' ')).not.toMatch(/botsecret|rotatingsecret/);
    }
  });

  it('refuses a SCIM URL that is not http(s)', () => {
    expect(readSlackScimSettings({ SLACK_ADMIN_TOKEN: TOKEN, SLACK_SCIM_URL: 'ftp://api.slack.com/scim/v2/' })).toEqual({
      problems: ['SLACK_SCIM_URL must be an http(s) URL'],
    });
  });
});
