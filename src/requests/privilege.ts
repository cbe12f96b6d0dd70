/**
 * Why offboarding this person is riskier than usual. `credential_owner`: they own one of the bot's
 * own credentials, so offboarding them would stop the bot (and any reinstatement): refused until the
 * credential has another owner. The others take away someone's power over the bot or the workspace:
 * the approval rules' `privileged` flag (two distinct approvers by default).
 */
export type Privilege =
  | { kind: 'credential_owner'; system: string; title: string; credential: string }
  | { kind: 'approver' }
  | { kind: 'compliance' }
  | { kind: 'workspace_admin' }
  | { kind: 'workspace_owner' };

function describe(p: Privilege): string {
  switch (p.kind) {
    case 'credential_owner':
      return `owns the bot's ${p.title} credential (\`${p.credential}\`)`;
    case 'approver':
      return 'is an approver of this bot';
    case 'compliance':
      return "is in the bot's compliance group";
    case 'workspace_admin':
      return 'is a Slack workspace admin';
    case 'workspace_owner':
      return 'is a Slack workspace owner';
  }
}

/** "is an approver of this bot and is a Slack workspace admin": each privilege once, in a stable order. */
export function describePrivileges(privileges: readonly Privilege[]): string {
  const parts = [...new Set(privileges.map(describe))];
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/** The refusal for the owner of a bot credential, with what to do first; undefined when they own none. */
export function credentialRefusal(name: string, privileges: readonly Privilege[]): string | undefined {
  const owned = privileges.filter((p): p is Extract<Privilege, { kind: 'credential_owner' }> => p.kind === 'credential_owner');
  if (owned.length === 0) return undefined;
  const settings = [...new Set(owned.map((p) => `\`${p.credential}\``))].join(' and ');
  return (
    `${name} ${describePrivileges(owned)}: offboarding them would remove the bot's own access. ` +
    `Move the credential to another owner first (issue a new one for a service ID or another administrator, set ${settings} to it); then reject this request and submit a new one, which checks again.`
  );
}

const COUNT = ['no', 'one', 'two', 'three', 'four', 'five'];

/** What approvers confirm before approving someone privileged, naming the risk and, when the rule needs several, how many must approve. */
export function privilegeRisk(name: string, privileges: readonly Privilege[], needed: number): string {
  const many = needed > 1 ? `, so ${COUNT[needed] ?? needed} approvers must approve` : '';
  return `${name} ${describePrivileges(privileges)}. Approving removes that access too${many}.`;
}

/** Privileges of both lists, each once. */
export function mergePrivileges(...lists: (readonly Privilege[] | undefined)[]): Privilege[] {
  const seen = new Map<string, Privilege>();
  for (const p of lists.flatMap((l) => l ?? [])) seen.set(JSON.stringify(p), p);
  return [...seen.values()];
}
