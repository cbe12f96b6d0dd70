import { afterEach } from 'vitest';
import { IbmCloudClient } from '../../src/connectors/ibm-cloud/ibm-cloud-client.js';
import type { IbmCloudClientSettings } from '../../src/connectors/ibm-cloud/ibm-cloud-client.js';
import {
  ACME_PRODUCTION,
  SIM_BOT_API_KEY,
  startIbmCloudSimulator,
  type IbmCloudSimulator,
  type IbmCloudSimulatorOptions,
} from '../../src/simulators/ibm-cloud/index.js';

/** The client's settings pointing every IBM service at one simulator. */
export function ibmConfig(url: string, apiKey = SIM_BOT_API_KEY): IbmCloudClientSettings {
  return {
    apiKey,
    accountIds: [ACME_PRODUCTION],
    iamUrl: url,
    userManagementUrl: url,
    iamIdentityUrl: url,
    accessGroupsUrl: url,
    policyManagementUrl: url,
    accountManagementUrl: url,
    resourceControllerUrl: url,
    timeoutMs: 5000,
    vpc: { regions: ['us-south', 'eu-de'], url: `${url}/vpc/{region}/v1` },
  };
}

/** A simulator per test, closed after it, with the real client (and so the real SDK) talking to it over HTTP. */
export function useIbmSimulator() {
  const sims: IbmCloudSimulator[] = [];
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
  });
  return async (opts?: IbmCloudSimulatorOptions) => {
    const sim = await startIbmCloudSimulator(opts);
    sims.push(sim);
    return { sim, client: new IbmCloudClient(ibmConfig(sim.url)) };
  };
}

export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** Requests that change something in IBM Cloud (everything but reads and the token). */
export function mutations(sim: IbmCloudSimulator) {
  return sim.requests.filter((r) => !['GET', 'HEAD'].includes(r.method) && r.path !== '/identity/token');
}
