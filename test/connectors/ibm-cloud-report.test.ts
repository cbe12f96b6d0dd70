import { describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../../src/connectors/step-errors.js';
import { ACME_PRODUCTION, SIM_IAM_IDS, SIM_NHI_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { rejection, useIbmSimulator } from './ibm-cloud-harness.js';

const simulator = useIbmSimulator();

describe("IAM's inactive-identities report through the client", () => {
  it('asks for the days as hours, reads "generating" while IAM answers 204, then every kind of identity with its last sign-in', async () => {
    const { sim, client } = await simulator({ reportGenerationMs: 60_000 });
    const reference = await client.createInactiveReport(ACME_PRODUCTION, 30 * 24);
    const asked = sim.requests.find((r) => r.method === 'POST' && r.path === `/v1/activity/accounts/${ACME_PRODUCTION}/report`);
    expect(asked!.query).toMatchObject({ type: 'inactive', duration: '720' });
    expect(await client.getInactiveReport(ACME_PRODUCTION, reference)).toEqual({ state: 'generating' });

    sim.setReportGeneration(0);
    const report = await client.getInactiveReport(ACME_PRODUCTION, reference);
    if (report.state !== 'ready') throw new Error(`expected a ready report, got ${report.state}`);
    expect(report.reference).toBe(reference);
    const kinds = new Set(report.identities.map((i) => i.kind));
    expect(kinds).toEqual(new Set(['user', 'user-apikey', 'serviceid-apikey', 'serviceid', 'profile']));
    expect(report.identities.find((i) => i.id === SIM_IAM_IDS.jane)).toMatchObject({
      kind: 'user',
      email: 'jane.doe@acme.example',
      lastAuthn: '2025-01-14T08:30:00.000Z',
    });
    expect(report.identities.find((i) => i.id === SIM_NHI_IDS.ciPipelineKey)).toMatchObject({ kind: 'serviceid-apikey', owner: 'ci-pipeline' });
  });

  it('reads a reference IAM no longer holds (a newer report replaced it) as unknown', async () => {
    const { client } = await simulator();
    const first = await client.createInactiveReport(ACME_PRODUCTION, 720);
    await client.createInactiveReport(ACME_PRODUCTION, 720);
    expect(await client.getInactiveReport(ACME_PRODUCTION, first)).toEqual({ state: 'unknown' });
  });

  it('classifies a refusal as permanent and a 503 as worth retrying', async () => {
    const { sim, client } = await simulator();
    sim.inject({ method: 'POST', path: '/v1/activity/accounts/', status: 403, times: 1 });
    expect(await rejection(client.createInactiveReport(ACME_PRODUCTION, 720))).toBeInstanceOf(PermanentError);
    sim.inject({ method: 'GET', path: '/report/', status: 503, times: 1 });
    expect(await rejection(client.getInactiveReport(ACME_PRODUCTION, 'latest'))).toBeInstanceOf(RetryableError);
  });
});
