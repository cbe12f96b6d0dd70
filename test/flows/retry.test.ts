import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { CHECKLIST_VERIFIED_BUT_ONE, PACK_VERIFIED_BUT_ONE } from '../support/approval-helpers.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING, JANE_EMAIL, SIM_IAM_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const pdfText = async (bytes: Buffer) => (await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true })).text;

describe('retrying failed steps', () => {
  it('offers a Retry button on a run that failed; an approver retries only the failed steps and the new report shows everything verified', async () => {
    const { stack, player } = await start();
    stack.ibm.inject({ method: 'DELETE', path: '/v1/apikeys/', status: 403 });
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'termination', successor: PEOPLE.taylor, ticket: 'SEC-1' });
    await player.click(PEOPLE.alex, 'approve', id);
    await player.evidence(id);
    const failedChecklist = await stack.slack.waitFor(() => {
      const c = player.checklist(id);
      return c && JSON.stringify(c.blocks).includes('Retry failed steps') ? c : undefined;
    });
    expect(JSON.stringify(failedChecklist.blocks)).toContain('permission denied');
    expect(stack.ibm.apiKeysOf(ACME_PRODUCTION, SIM_IAM_IDS.jane)).not.toHaveLength(0);

    // Whoever fixed the permission, the retry is only for approvers.
    stack.ibm.clearFaults();
    await player.retry(PEOPLE.taylor, id);
    expect(stack.slack.ephemerals.at(-1)?.text).toContain('Only offboarding approvers');
    const deletesBefore = stack.ibm.requests.filter((r) => r.method === 'DELETE').length;
    expect(stack.slack.files.filter((f) => f.filename.endsWith('.pdf'))).toHaveLength(1);

    await Promise.all([player.retry(PEOPLE.riley, id), player.retry(PEOPLE.alex, id)]);
    const second = await player.evidence(id, 20_000, 2);
    const text = await pdfText(second.bytes);
    // Every step verified but the one that cannot look in staging, which no retry changes.
    expect(text).toContain(PACK_VERIFIED_BUT_ONE);
    expect(text).not.toContain('All steps verified');
    expect(text).toMatch(/Round 2: retry by (Riley Ito|Alex Admin) \(U0(RILEY01|ALEX001)\) of the delete phase's failed steps at/);

    // Only the API-key steps ran again: the rest had already verified and were left alone.
    const retriedDeletes = stack.ibm.requests.filter((r) => r.method === 'DELETE').slice(deletesBefore);
    expect(retriedDeletes.length).toBeGreaterThan(0);
    expect(retriedDeletes.every((r) => r.path.startsWith('/v1/apikeys/'))).toBe(true);
    // Each call carries a transaction id of its own round, so the evidence tells the rounds apart.
    expect(retriedDeletes.every((r) => r.transactionId?.includes('-r2-a'))).toBe(true);
    // ... and the report prints each of them as IBM Cloud received it.
    for (const r of retriedDeletes) expect(text).toContain(r.transactionId);
    for (const account of [ACME_PRODUCTION, ACME_STAGING]) expect(stack.ibm.apiKeysOf(account, SIM_IAM_IDS.jane)).toHaveLength(0);
    expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeUndefined();

    // Two approvers clicking at once started one round: one more report, not two.
    await new Promise((r) => setTimeout(r, 300));
    expect(stack.slack.files.filter((f) => f.filename.endsWith('.pdf'))).toHaveLength(2);
    const finalChecklist = await stack.slack.waitFor(() => {
      const text = JSON.stringify(player.checklist(id)?.blocks ?? []);
      return text.includes(CHECKLIST_VERIFIED_BUT_ONE) ? text : undefined;
    });
    expect(finalChecklist).not.toContain('Retry failed steps');
  });
});
