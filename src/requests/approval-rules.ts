import { z } from 'zod';
import { REASONS, type Reason } from './request.js';

const groupId = z.string().regex(/^S[A-Z0-9]+$/, 'must be a Slack user group id such as S0123ABCD');
const reason = z.enum(Object.keys(REASONS) as [Reason, ...Reason[]], {
  message: `must be one of ${Object.keys(REASONS).join(', ')}`,
});

/**
 * What a rule looks at; every condition given must hold. The risk flags come from the read-only
 * preview and from Slack at click time: `privileged` (an approver, in compliance, a workspace admin
 * or owner), `accountOwner` (owns an account the bot reaches), `identitiesOver` (more identities than
 * this across the systems).
 */
const whenSchema = z.strictObject({
  reasons: z.array(reason).min(1).optional(),
  privileged: z.boolean().optional(),
  accountOwner: z.boolean().optional(),
  identitiesOver: z.number().int().min(0).optional(),
  /** The person is one of several asked for in one form; a batch is decided under the strictest rule any of them needs. */
  bulk: z.boolean().optional(),
  /** The person leaving is in one of these Slack user groups. */
  subjectGroups: z.array(groupId).min(1).optional(),
});

const ruleSchema = z.strictObject({
  name: z.string().trim().min(1).max(80),
  when: whenSchema.default({}),
  /** Distinct approvals needed; the requester and the person leaving never count. */
  approvals: z.number().int().min(1).max(5),
  /** Whose approvals count: members of any of these user groups. Absent: OFFBOARD_APPROVERS. */
  approverGroups: z.array(groupId).min(1).optional(),
  /** Distinct rejections that end the request; 1 (the default): any single rejection does. */
  rejections: z.number().int().min(1).max(5).default(1),
  /** The approver types the person's email or name before their approval counts. */
  typedConfirmation: z.boolean().default(false),
});

export const approvalPolicySchema = z.strictObject({ rules: z.array(ruleSchema).min(1, 'must hold at least one rule') }).superRefine(({ rules }, ctx) => {
  // Read top to bottom, the first match decides: a rule after one that matches everything never applies.
  const catchAll = rules.findIndex((r) => Object.keys(r.when).length === 0);
  for (let i = catchAll + 1; catchAll >= 0 && i < rules.length; i++) {
    ctx.addIssue({
      code: 'custom',
      path: ['rules', i],
      message: `can never apply: rule "${rules[catchAll]!.name}" before it has no conditions and matches every request`,
    });
  }
});

export type ApprovalPolicy = z.output<typeof approvalPolicySchema>;
export type ApprovalRule = ApprovalPolicy['rules'][number];

/**
 * Without OFFBOARD_POLICY_FILE: two distinct approvals for a termination for cause and for anyone
 * privileged, one otherwise, each from OFFBOARD_APPROVERS, and any rejection ends the request.
 */
export const DEFAULT_POLICY: ApprovalPolicy = approvalPolicySchema.parse({
  rules: [
    { name: 'Termination for cause', when: { reasons: ['termination_for_cause'] }, approvals: 2 },
    { name: 'Privileged person', when: { privileged: true }, approvals: 2 },
    { name: 'Everyone else', approvals: 1 },
  ],
});

/** When no rule matches (a policy file without a catch-all): one approval from OFFBOARD_APPROVERS. */
export const FALLBACK_RULE: ApprovalRule = ruleSchema.parse({ name: 'No rule matched', approvals: 1 });

/** What is known about a request when its rule is chosen. */
export interface RuleFacts {
  reason: Reason;
  privileged: boolean;
  accountOwner: boolean;
  identities: number;
  /** One of several people asked for in one form. */
  bulk: boolean;
  /** The user groups (of those the policy names) the person leaving is in. */
  subjectGroups: ReadonlySet<string>;
}

/** The first rule, top to bottom, whose every condition holds. */
export function ruleFor(policy: ApprovalPolicy, facts: RuleFacts): ApprovalRule {
  return policy.rules.find((rule) => matches(rule, facts)) ?? FALLBACK_RULE;
}

function matches({ when }: ApprovalRule, facts: RuleFacts): boolean {
  if (when.reasons && !when.reasons.includes(facts.reason)) return false;
  if (when.privileged !== undefined && when.privileged !== facts.privileged) return false;
  if (when.accountOwner !== undefined && when.accountOwner !== facts.accountOwner) return false;
  if (when.identitiesOver !== undefined && facts.identities <= when.identitiesOver) return false;
  if (when.bulk !== undefined && when.bulk !== facts.bulk) return false;
  if (when.subjectGroups && !when.subjectGroups.some((g) => facts.subjectGroups.has(g))) return false;
  return true;
}

/** Every user group a policy's conditions ask about, so only those are read from Slack. */
export function subjectGroupsNamed(policy: ApprovalPolicy): string[] {
  return [...new Set(policy.rules.flatMap((r) => r.when.subjectGroups ?? []))];
}
