import { refusalOfAnswer } from './block-kit-limits.js';
import type { SlackEventsDriver, SlackResponse } from './slack-events-driver.js';
import { SlackPayloads, type BlockActionArgs, type SlackPayloadsOptions, type SlashCommandArgs, type ViewSubmissionArgs } from './slack-payloads.js';
import type { DeliverOptions, EnvelopeType, SocketModeHub } from './socket-mode-hub.js';
import type { SlackSimulator } from './types.js';

export interface SocketModeEventsClientOptions extends SlackPayloadsOptions, DeliverOptions {
  /** A simulator started with an `appToken`: the bot must be connected to it over Socket Mode. */
  simulator: SlackSimulator;
}

/**
 * Plays Slack towards a bot connected over Socket Mode: the same payloads as SlackEventsClient,
 * delivered as envelopes on the bot's WebSocket. Answers once the bot acknowledges: status 200,
 * the ack's payload as the body (empty for a bare ack), as Slack would treat it.
 */
export class SocketModeEventsClient implements SlackEventsDriver {
  private readonly hub: SocketModeHub;
  private readonly payloads: SlackPayloads;

  constructor(private readonly opts: SocketModeEventsClientOptions) {
    if (!opts.simulator.socketMode) throw new Error('SocketModeEventsClient needs a Slack simulator started with an appToken');
    this.hub = opts.simulator.socketMode;
    this.payloads = new SlackPayloads(opts);
  }

  slashCommand(a: SlashCommandArgs): Promise<SlackResponse> {
    return this.deliver('slash_commands', this.payloads.slashCommand(a));
  }

  blockAction(a: BlockActionArgs): Promise<SlackResponse> {
    return this.deliver('interactive', this.payloads.blockAction(a));
  }

  viewSubmission(a: ViewSubmissionArgs): Promise<SlackResponse> {
    return this.deliver('interactive', this.payloads.viewSubmission(a));
  }

  event(event: Record<string, unknown>): Promise<SlackResponse> {
    return this.deliver('events_api', this.payloads.event(event));
  }

  private async deliver(type: EnvelopeType, payload: Record<string, unknown>): Promise<SlackResponse> {
    const ack = await this.hub.deliver(type, payload, this.opts);
    if (Object.keys(ack).length === 0) return { status: 200, body: '' };
    const refused = refusalOfAnswer(ack);
    return { status: 200, body: JSON.stringify(ack), json: ack, ...(refused ? { refused } : {}) };
  }
}
