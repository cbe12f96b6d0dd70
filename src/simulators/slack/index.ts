export { startSlackSimulator } from './slack-simulator.js';
export { SlackEventsClient, signSlackRequest } from './slack-events-client.js';
export type {
  BlockActionArgs,
  PostOptions,
  SlackEventsClientOptions,
  SlackResponse,
  SlashCommandArgs,
  ViewSubmissionArgs,
} from './slack-events-client.js';
export type {
  RecordedCall,
  ResponseUrlContext,
  SimEphemeral,
  SimFile,
  SimMessage,
  SimResponse,
  SimSlackUser,
  SimView,
  SimViewKind,
  SlackSimulator,
  SlackSimulatorOptions,
  WaitForOptions,
} from './types.js';
