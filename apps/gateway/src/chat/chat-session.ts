import { type ClientDuplexStream, type ServiceError, status } from '@grpc/grpc-js';
import { type Context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { ChatRequest, ChatResponse } from '@quartet/proto';
import type { RawData, WebSocket } from 'ws';
import { servedByOf } from '../http/grpc-call';
import { grpcErrorBody } from '../http/grpc-status';
import { chatEventJson } from '../http/wire-json';
import { parseClientFrame } from './client-frames';

/** Above this many bytes waiting for the member's socket, the backend stream is paused... */
const PAUSE_ABOVE_BYTES = 256 * 1024;
/** ...and below this many, it reads again. */
const RESUME_BELOW_BYTES = 64 * 1024;
/** How long a member that left may take to finish its half-closed call. */
const LEAVE_GRACE_MS = 5_000;
/** How long a member may take to answer a close frame before its connection is dropped. */
const CLOSE_GRACE_MS = 2_000;

/** WebSocket close codes (RFC 6455 §7.4) for the ways a chat call can end. */
function closeCodeOf(code: status): number {
  if (code === status.OK) return 1000;
  if (code === status.UNAVAILABLE) return 1013; // try again later
  if (code === status.INTERNAL || code === status.UNKNOWN) return 1011;
  return 1008; // policy: the member broke a rule or outlived its deadline
}

/** What one member may cost the gateway (WS_MAX_UNSENT_BYTES, WS_MAX_BAD_FRAMES). */
export interface ChatSessionLimits {
  /**
   * Above this many bytes waiting for the member's socket, the member is dropped: the call
   * is paused long before, so only the replies to its own frames (errors for garbage) can
   * pile up here, and a member that sends and never reads is not buffered for.
   */
  readonly maxUnsentBytes: number;
  /** Bad frames a member may send before it is closed: a person's page sends none, and each costs a parse and a reply. */
  readonly maxBadFrames: number;
}

export interface ChatSessionEvents {
  /** A backend stream was paused because the member read too slowly. */
  onPause(): void;
  /** The member was dropped for going past a limit. */
  onLimit(limit: 'ws_backlog' | 'ws_ping' | 'ws_bad_frames'): void;
  onClose(): void;
}

/**
 * One member's WebSocket joined to its chat.v1.ChatService/Chat call: each post frame the
 * member sends becomes a `post`, each event of the call a JSON frame. A bad frame gets an
 * `error` frame and the session goes on; the call ending closes the socket, with an
 * `error` frame first when it failed; the socket closing half-closes the call, so the
 * room sees the member leave.
 *
 * Memory is bounded both ways: a member reading slowly pauses the backend stream (whose
 * flow control then lets the chat service cut the member off by its own backlog rule),
 * and a backend reading slowly pauses the member's socket.
 */
const tracer = trace.getTracer('quartet');

export class ChatSession {
  private paused = false;
  private ended = false;
  private answeredPing = true;
  private badFrames = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly call: ClientDuplexStream<ChatRequest, ChatResponse>,
    private readonly limits: ChatSessionLimits,
    private readonly events: ChatSessionEvents,
    /** The session's span: each post the member sends gets a span under it. */
    private readonly traceContext: Context = ROOT_CONTEXT,
  ) {
    call.on('data', (response: ChatResponse) => {
      const frame = chatEventJson(response);
      if (frame) this.send(frame);
    });
    call.on('error', (error: ServiceError) =>
      this.end(error.code, error.details, servedByOf(error.metadata)),
    );
    call.on('end', () => this.end(status.OK, '', undefined));
    call.on('drain', () => socket.resume());
    socket.on('message', (data: RawData, isBinary: boolean) => this.receive(data as Buffer, isBinary));
    socket.on('pong', () => (this.answeredPing = true));
    socket.once('close', () => this.leave());
  }

  /** Pings the member; one that did not answer the previous ping is gone and is dropped. */
  heartbeat(): void {
    if (!this.answeredPing) {
      this.events.onLimit('ws_ping');
      this.socket.terminate();
      return;
    }
    this.answeredPing = false;
    this.socket.ping();
  }

  /** Ends the session from the gateway's side (it is shutting down). */
  shutDown(): void {
    this.ended = true;
    this.call.cancel();
    this.close(1001, 'the gateway is shutting down');
  }

  private receive(data: Buffer, isBinary: boolean): void {
    const frame = parseClientFrame(data, isBinary);
    if ('problem' in frame) {
      this.badFrames += 1;
      const { maxBadFrames } = this.limits;
      if (this.badFrames > maxBadFrames) {
        if (this.badFrames === maxBadFrames + 1) {
          this.events.onLimit('ws_bad_frames');
          this.close(1008, `over ${maxBadFrames} bad frames`);
          // What else it sent is not read: a flood of frames costs nothing more.
          this.socket.pause();
        }
        return;
      }
      this.send({ type: 'error', ...grpcErrorBody(status.INVALID_ARGUMENT, frame.problem, undefined) });
      return;
    }
    if (this.ended) return;
    const span = tracer.startSpan(
      'chat.post',
      { attributes: { 'chat.client_id': frame.post.clientId } },
      this.traceContext,
    );
    const writable = this.call.write({ action: { $case: 'post', value: frame.post } });
    span.end();
    if (!writable) this.socket.pause();
  }

  private send(frame: object): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.limits.maxUnsentBytes) {
      this.events.onLimit('ws_backlog');
      this.socket.terminate();
      return;
    }
    this.socket.send(JSON.stringify(frame), () => {
      if (this.paused && this.socket.bufferedAmount < RESUME_BELOW_BYTES) {
        this.paused = false;
        this.call.resume();
      }
    });
    if (!this.paused && this.socket.bufferedAmount > PAUSE_ABOVE_BYTES) {
      this.paused = true;
      this.call.pause();
      this.events.onPause();
    }
  }

  private end(code: status, details: string, servedBy: string | undefined): void {
    if (this.ended) return;
    this.ended = true;
    if (code !== status.OK) this.send({ type: 'error', ...grpcErrorBody(code, details, servedBy) });
    // A close reason is at most 123 bytes; the error frame carries the whole message.
    this.close(closeCodeOf(code), status[code]);
  }

  /** Starts the closing handshake; a member that reads nothing cannot finish it, so it is bounded. */
  private close(code: number, reason: string): void {
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  private leave(): void {
    this.events.onClose();
    if (this.ended) return;
    this.ended = true;
    this.call.end();
    // What the room still sends is read and dropped, so that the call can finish.
    this.call.resume();
    setTimeout(() => this.call.cancel(), LEAVE_GRACE_MS).unref();
  }
}
