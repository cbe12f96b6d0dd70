export { BLOCK_KIT_LIMITS } from './block-kit-limits.js';
export { startSlackSimulator } from './slack-simulator.js';
export { MANIFEST_BOT_SCOPES } from './slack-state.js';
export { SlackEventsClient, signSlackRequest } from './slack-events-client.js';
export type { PostOptions, SlackEventsClientOptions } from './slack-events-client.js';
export type { SlackEventsDriver, SlackResponse } from './slack-events-driver.js';
export type { BlockActionArgs, SlackPayloadsOptions, SlashCommandArgs, ViewSubmissionArgs } from './slack-payloads.js';
export { SocketModeEventsClient } from './socket-mode-events-client.js';
export type { SocketModeEventsClientOptions } from './socket-mode-events-client.js';
export type { ScimCall, ScimFaultRule, ScimFaultStatus, ScimSessionEnd, ScimSimulator, ScimUserState } from './scim-types.js';
export type { DeliverOptions, EnvelopeType, SimEnvelope, SocketModeHub } from './socket-mode-hub.js';
export type {
  RecordedCall,
  ResponseUrlContext,
  SimEphemeral,
  SimFile,
  SimMessage,
  SimMessageMetadata,
  SimResponse,
  SimSlackUser,
  SimView,
  SimViewKind,
  SlackSimulator,
  SlackSimulatorOptions,
  WaitForOptions,
} from './types.js';
