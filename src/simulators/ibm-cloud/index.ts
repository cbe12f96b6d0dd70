export { startIbmCloudSimulator } from './server.js';
export { defaultIbmSeed, SIM_BOT_API_KEY, ACME_PRODUCTION, ACME_STAGING, JANE_EMAIL, SIM_IAM_IDS } from './seed.js';
export type {
  IbmCloudSimulatorOptions,
  IbmCloudSimulator,
  IbmCloudSeed,
  FaultRule,
  RecordedRequest,
  SimAccount,
  SimUser,
  SimApiKey,
  SimServiceId,
  SimTrustedProfile,
  SimAccessGroup,
  SimGroupMember,
  SimPolicy,
  SimAttribute,
  SimActivity,
  SimHistoryRecord,
} from './types.js';
