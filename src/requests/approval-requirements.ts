import type { RunView } from '../runs/run-view.js';
import type { SlackDirectory } from '../slack/slack-directory.js';
import { type ApprovalPolicy, type ApprovalRule, ruleFor, subjectGroupsNamed } from './approval-rules.js';
import { approvedTerms, termsDigest } from './approval-terms.js';
import { mergePrivileges, type Privilege } from './privilege.js';
import type { OffboardRequest } from './request.js';

/** What deciding a request takes right now, under the policy. */
export interface Requirement {
  rule: ApprovalRule;
  /** From the preview and from Slack now: a privilege granted since the preview still counts. */
  privileges: Privilege[];
  /** Who may approve or reject it: the rule's approver groups, else OFFBOARD_APPROVERS; never the requester nor the person. */
  deciders: string[];
  /** The digest of the terms an approval now approves (see approval-terms). */
  digest: string;
}

type Directory = Pick<SlackDirectory, 'approverIds' | 'members' | 'privilegesOf'>;

/**
 * Chooses a request's rule from what is known about it (its reason, the preview's findings, Slack's
 * answers about the person now) and reads who may decide it. Read at each click and each render of
 * the approval message, so a change to a user group counts within seconds.
 */
export class ApprovalRequirements {
  constructor(
    private readonly policy: ApprovalPolicy,
    private readonly directory: Directory,
  ) {}

  async of(request: OffboardRequest, view: Pick<RunView, 'preview'>): Promise<Requirement> {
    const previewed = view.preview;
    const subjectId = request.subject.slackUserId;
    // Someone without a Slack account holds no power in Slack and is in none of its user groups.
    const privileges = mergePrivileges(previewed?.privileges, subjectId ? await this.directory.privilegesOf(subjectId) : []);
    const found = (previewed?.identities ?? []).flatMap((s) => s.identities);
    const groups = subjectGroupsNamed(this.policy);
    const memberOf = await Promise.all(
      groups.map(async (id) => subjectId !== null && (await this.directory.members({ kind: 'usergroup', id })).includes(subjectId)),
    );
    const rule = ruleFor(this.policy, {
      reason: request.reason,
      privileged: privileges.some((p) => p.kind !== 'credential_owner'),
      // The only refusal an identification records is the account owner's (see each system's identify).
      accountOwner: found.some((i) => i.refusal !== undefined),
      identities: found.length,
      bulk: request.batch !== undefined,
      subjectGroups: new Set(groups.filter((_, i) => memberOf[i])),
    });
    const everyone = rule.approverGroups
      ? (await Promise.all(rule.approverGroups.map((id) => this.directory.members({ kind: 'usergroup', id })))).flat()
      : await this.directory.approverIds();
    const deciders = [...new Set(everyone)].filter((id) => id !== request.subject.slackUserId && id !== request.requester.slackUserId).sort();
    return { rule, privileges, deciders, digest: termsDigest(approvedTerms(request, previewed)) };
  }
}

/** Why someone who is not among a rule's deciders may not decide, naming the groups when the rule has its own. */
export function notADecider(rule: ApprovalRule): string {
  if (!rule.approverGroups) return 'Only offboarding approvers can decide on offboarding requests.';
  return `Only members of the user group${rule.approverGroups.length > 1 ? 's' : ''} ${rule.approverGroups.join(', ')} can decide on this request (rule "${rule.name}").`;
}

/** Whether what an approver typed names the person: their email or their name, in any letter case. */
export function confirmsPerson(request: OffboardRequest, typed: string | undefined): boolean {
  if (typed === undefined) return false;
  const norm = (s: string) => s.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
  const said = norm(typed);
  return said.length > 0 && (said === norm(request.subject.email) || said === norm(request.subject.name));
}

/** Whether what an approver typed is the number of people a bulk approval decides (digits, nothing else). */
export function confirmsCount(count: number, typed: string | undefined): boolean {
  return typed !== undefined && typed.trim() === String(count);
}
