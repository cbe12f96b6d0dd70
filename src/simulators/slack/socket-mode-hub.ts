import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { randomHex, slackId } from './ids.js';

export type EnvelopeType = 'events_api' | 'slash_commands' | 'interactive';

/** One event delivered over Socket Mode, and the app's acknowledgement once it came. */
export interface SimEnvelope {
  envelopeId: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  sentAt: number;
  /** The `payload` of the app's ack (`{}` for a bare ack); unset until acknowledged. */
  ack?: Record<string, unknown>;
  ackedAt?: number;
}

export interface DeliverOptions {
  /** How long to wait for an open session (the app may be reconnecting). Default 15000. */
  connectTimeoutMs?: number;
  /** How long to wait for the ack. Slack itself gives up after 3 s; default 10000, so a loaded test machine does not fail. */
  ackTimeoutMs?: number;
}

const LINK_PATH = '/link/';

/**
 * Slack's side of Socket Mode: `apps.connections.open` hands out single-use `ws://` URLs served by
 * the simulator's own HTTP server; a session opens with `hello`, events go out as envelopes and
 * come back acknowledged by envelope id; `disconnect` asks the app to reconnect.
 */
export class SocketModeHub {
  readonly envelopes: SimEnvelope[] = [];
  /** Sessions ever opened (a reconnect opens a new one). */
  sessionsOpened = 0;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly sessions = new Set<WebSocket>();
  /** Sessions told to reconnect: nothing more is delivered to them. */
  private readonly draining = new WeakSet<WebSocket>();
  private readonly pendingAcks = new Map<string, (payload: Record<string, unknown>) => void>();
  private readonly sessionWaiters = new Set<() => void>();

  constructor(
    readonly appToken: string,
    private readonly appId: string,
  ) {}

  /** `apps.connections.open`: a fresh URL to connect to, valid for one connection. */
  openConnection(origin: string): string {
    const ticket = randomHex(16);
    this.tickets.add(ticket);
    return `${origin.replace(/^http/, 'ws')}${LINK_PATH}?ticket=${ticket}&app_id=${this.appId}`;
  }

  /** Handles an HTTP upgrade; false when it is not for a Socket Mode URL. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname !== LINK_PATH) return false;
    const ticket = url.searchParams.get('ticket') ?? '';
    if (!this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws));
    return true;
  }

  /** Open sessions that got their `hello` and were not asked to reconnect. */
  get connections(): number {
    return this.live().length;
  }

  /** Sends one envelope to an open session and resolves with the app's ack payload. */
  async deliver(type: EnvelopeType, payload: Record<string, unknown>, opts: DeliverOptions = {}): Promise<Record<string, unknown>> {
    const ws = await this.openSession(opts.connectTimeoutMs ?? 15_000);
    const envelope: SimEnvelope = { envelopeId: `${randomHex(4)}-${randomHex(2)}-${randomHex(2)}-${randomHex(6)}`, type, payload, sentAt: Date.now() };
    this.envelopes.push(envelope);
    const ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
    const acked = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingAcks.delete(envelope.envelopeId);
        reject(new Error(`the app did not acknowledge ${type} envelope ${envelope.envelopeId} within ${ackTimeoutMs} ms`));
      }, ackTimeoutMs);
      this.pendingAcks.set(envelope.envelopeId, (ack) => {
        clearTimeout(timer);
        envelope.ack = ack;
        envelope.ackedAt = Date.now();
        resolve(ack);
      });
    });
    ws.send(
      JSON.stringify({
        envelope_id: envelope.envelopeId,
        type,
        payload,
        // Slack takes a response in the ack for commands and modal submissions, never for events or clicks.
        accepts_response_payload: type === 'slash_commands' || payload.type === 'view_submission',
        ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
      }),
    );
    return acked;
  }

  /** Asks every open session to reconnect, as Slack does before recycling a server. */
  disconnect(reason: 'refresh_requested' | 'warning' | 'link_disabled' = 'refresh_requested'): void {
    for (const ws of this.live()) {
      this.draining.add(ws);
      ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-sim' } }));
    }
  }

  close(): void {
    for (const ws of this.sessions) ws.terminate();
    this.sessions.clear();
    this.wss.close();
  }

  private open(ws: WebSocket): void {
    this.sessions.add(ws);
    this.sessionsOpened += 1;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let frame: { envelope_id?: unknown; payload?: unknown };
      try {
        frame = JSON.parse(String(data)) as typeof frame;
      } catch {
        return;
      }
      if (typeof frame.envelope_id !== 'string') return;
      const payload = frame.payload !== null && typeof frame.payload === 'object' ? (frame.payload as Record<string, unknown>) : {};
      this.pendingAcks.get(frame.envelope_id)?.(payload);
      this.pendingAcks.delete(frame.envelope_id);
    });
    ws.on('close', () => this.sessions.delete(ws));
    ws.on('error', () => this.sessions.delete(ws));
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.connections,
        debug_info: { host: `applink-sim-${slackId('', 4).toLowerCase()}`, build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
    for (const wake of this.sessionWaiters) wake();
  }

  private live(): WebSocket[] {
    return [...this.sessions].filter((ws) => ws.readyState === WebSocket.OPEN && !this.draining.has(ws));
  }

  /** The newest open session, waiting for one while the app (re)connects. */
  private async openSession(timeoutMs: number): Promise<WebSocket> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const open = this.live().at(-1);
      if (open) return open;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no Socket Mode session open within ${timeoutMs} ms: is the app connected with SLACK_APP_TOKEN?`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.sessionWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.sessionWaiters.add(wake);
      });
    }
  }
}
