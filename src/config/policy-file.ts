import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { approvalPolicySchema, type ApprovalPolicy } from '../requests/approval-rules.js';

const SETTING = 'OFFBOARD_POLICY_FILE';

/**
 * Reads the approval rules (YAML, or JSON, which YAML reads too) and checks them: every problem is
 * returned, each naming where in the file it is, so start-up lists them with the others.
 */
export function readPolicyFile(file: string): { policy: ApprovalPolicy } | { problems: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return {
      problems: [
        `${SETTING} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): it must name a YAML or JSON file of approval rules`,
      ],
    };
  }
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    return { problems: [`${SETTING} is not YAML or JSON: ${(err as Error).message.split('\n')[0]}`] };
  }
  const parsed = approvalPolicySchema.safeParse(data);
  if (parsed.success) return { policy: parsed.data };
  return { problems: parsed.error.issues.map((i) => `${SETTING}: ${where(i.path)}${i.message}`) };
}

/** `rules[1].when.reasons[0]: ` */
function where(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '';
  const text = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
  return `${text}: `;
}
