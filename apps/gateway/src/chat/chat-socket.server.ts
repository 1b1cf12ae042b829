import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ClientDuplexStream, Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  BadRequestException,
  type BeforeApplicationShutdown,
  ForbiddenException,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CHAT_ROOM_HEADER, type ChatRequest, type ChatResponse, SERVED_BY_HEADER } from '@quartet/proto';
import { parse as parseQuery } from 'node:querystring';
import { WebSocketServer } from 'ws';
import { Authenticator, isRefusal } from '../auth/authenticator';
import { type Caller, callerMetadata } from '../auth/caller';
import { trustedOrigin } from '../auth/origin-check';
import { Backends } from '../backends/backends';
import { GatewayDrain } from '../lifecycle/gateway-drain';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { servedByOf } from '../http/grpc-call';
import { grpcErrorBody, httpStatusOf } from '../http/grpc-status';
import { requiredParam, wholeNumberParam } from '../http/query';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { ClientStreams } from '../limits/client-streams';
import { ChatSession } from './chat-session';
import { MAX_CLIENT_FRAME_BYTES } from './client-frames';
import { answerUpgrade } from './upgrade-answer';
import { handshakeProblem } from './websocket-handshake';

const ROUTE = '/api/chat';
const tracer = trace.getTracer('quartet');

/**
 * `/api/chat?room=&since=` as a WebSocket, for the signed-in user (the session cookie, as a
 * browser sends it, or a bearer token); `user=`, when given, must be that user. The handshake
 * waits for the chat service to accept the join, so that a refused join is an ordinary HTTP
 * error (400 with the JSON body) and an accepted one carries `x-served-by` like every other
 * response. A handshake from a page of another origin is refused (403): a cookie alone must
 * not let a foreign page chat as the user.
 */
@Injectable()
export class ChatSocketServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  // Frames over the app's own limit get an error frame; far larger ones are refused by ws
  // itself (close 1009) before they are buffered.
  private readonly sockets = new WebSocketServer({ noServer: true, maxPayload: 8 * MAX_CLIENT_FRAME_BYTES });
  private readonly sessions = new Set<ChatSession>();
  /** The replica that accepted each join, for the handshake's response headers. */
  private readonly servedBy = new WeakMap<IncomingMessage, string>();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly backends: Backends,
    private readonly metrics: GatewayMetrics,
    private readonly streams: ClientStreams,
    private readonly authenticator: Authenticator,
    private readonly drain: GatewayDrain,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.sockets.on('headers', (headers: string[], request: IncomingMessage) => {
      const servedBy = this.servedBy.get(request);
      if (servedBy) headers.push(`${SERVED_BY_HEADER}: ${servedBy}`);
    });
    this.adapterHost.httpAdapter
      .getHttpServer()
      .on(
        'upgrade',
        (request: IncomingMessage, socket: Duplex, head: Buffer) => void this.upgrade(request, socket, head),
      );
    // A browser that vanished without closing answers no ping: it is dropped within two intervals.
    this.heartbeat = setInterval(() => {
      for (const session of this.sessions) session.heartbeat();
    }, this.config.limits.wsPingIntervalMs).unref();
  }

  beforeApplicationShutdown(): void {
    this.closeAll();
  }

  /** Closes every session with 1001 (going away), so that each page reconnects, elsewhere, with `since`. */
  closeAll(): void {
    clearInterval(this.heartbeat);
    for (const session of this.sessions) session.shutDown();
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const started = performance.now();
    const record = (statusCode: number) =>
      this.metrics.recordRequest('GET', ROUTE, statusCode, (performance.now() - started) / 1000);
    // A reset socket must not become an unhandled 'error'; ws adds its own once it takes over.
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://gateway');
    if (url.pathname !== ROUTE) {
      record(404);
      answerUpgrade(socket, 404, {
        error: { code: 'NOT_FOUND', message: `no WebSocket at ${url.pathname}` },
      });
      return;
    }
    if (this.drain.state === 'refusing') {
      record(503);
      answerUpgrade(socket, 503, {
        error: { code: 'UNAVAILABLE', message: 'the gateway is shutting down; try again' },
      });
      return;
    }
    const problem = handshakeProblem(request);
    if (problem) {
      record(problem.statusCode);
      this.metrics.refused('ws_handshake');
      answerUpgrade(
        socket,
        problem.statusCode,
        { error: { code: 'BAD_REQUEST', message: problem.message } },
        undefined,
        problem.headers,
      );
      return;
    }
    if (!trustedOrigin(request.headers, this.config.auth.allowedOrigins)) {
      record(403);
      answerUpgrade(socket, 403, {
        error: {
          code: 'PERMISSION_DENIED',
          message: `pages from ${request.headers.origin} may not chat here`,
        },
      });
      return;
    }
    const caller = await this.authenticator.authenticate(request.headers);
    if (isRefusal(caller)) {
      record(caller.status);
      answerUpgrade(socket, caller.status, { error: { code: caller.code, message: caller.message } });
      return;
    }
    let join: { room: string; user: string; sinceSeq: bigint };
    try {
      const query = parseQuery(url.search.slice(1));
      join = {
        room: requiredParam(query, 'room'),
        user: optionalUser(query, caller),
        sinceSeq: BigInt(wholeNumberParam(query, 'since', 0, Number.MAX_SAFE_INTEGER)),
      };
    } catch (error) {
      if (error instanceof ForbiddenException) {
        record(403);
        answerUpgrade(socket, 403, { error: { code: 'PERMISSION_DENIED', message: error.message } });
        return;
      }
      record(400);
      const message = error instanceof BadRequestException ? error.message : String(error);
      answerUpgrade(socket, 400, { error: { code: 'BAD_REQUEST', message } });
      return;
    }
    const refusal = this.streams.open(request, socket);
    if (refusal) {
      record(429);
      answerUpgrade(socket, 429, { error: { code: 'RESOURCE_EXHAUSTED', message: refusal.message } });
      return;
    }
    this.join(request, socket, head, caller, join, started, record);
  }

  /**
   * Starts the chat call and upgrades once the service accepts the join. The call has an
   * error listener from its first moment to its last: until the upgrade the error is the
   * refusal to answer; after it, the session's; in between (the socket closed, ws refused
   * it) there is nothing left to tell, and the call was cancelled for it.
   */
  private join(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    caller: Caller,
    join: { room: string; user: string; sinceSeq: bigint },
    started: number,
    record: (statusCode: number) => void,
  ): void {
    const metadata = callerMetadata(caller);
    // A header carries printable ASCII only; any other room name is the chat service's to refuse.
    if (/^[\x20-\x7e]+$/.test(join.room)) metadata.set(CHAT_ROOM_HEADER, join.room);
    // One span for the whole session (under the caller's traceparent, if it sent one), the
    // call's client span under it, and each post under that: a session is not one opaque span.
    const span = tracer.startSpan(
      `GET ${ROUTE}`,
      { kind: SpanKind.SERVER, attributes: { 'http.route': ROUTE, 'chat.room': join.room } },
      propagation.extract(ROOT_CONTEXT, request.headers),
    );
    const sessionContext = trace.setSpan(ROOT_CONTEXT, span);
    const call = context.with(sessionContext, () =>
      this.backends.chat.chat(metadata, { deadline: Date.now() + this.config.streamDeadlineMs }),
    );
    let joining = true;
    const onSocketGone = () => call.cancel();
    socket.once('close', onSocketGone);
    call.on('error', (error: ServiceError) => {
      if (!joining) return;
      joining = false;
      socket.off('close', onSocketGone);
      const statusCode = httpStatusOf(error.code);
      record(statusCode);
      endSessionSpan(span, statusCode);
      const servedBy = servedByOf(error.metadata);
      answerUpgrade(socket, statusCode, grpcErrorBody(error.code, error.details, servedBy), servedBy);
    });
    call.once('metadata', (headers: Metadata) => {
      if (!joining) return;
      joining = false;
      const servedBy = servedByOf(headers);
      if (servedBy) this.servedBy.set(request, servedBy);
      this.accept(request, socket, head, call, started, span, () => socket.off('close', onSocketGone));
    });
    call.write({ action: { $case: 'join', value: join } });
  }

  private accept(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    call: ClientDuplexStream<ChatRequest, ChatResponse>,
    started: number,
    span: Span,
    upgraded: () => void,
  ): void {
    // Until the upgrade completes the socket closing cancels the call; ws drops a socket
    // that closed meanwhile without calling back.
    this.sockets.handleUpgrade(request, socket, head, (webSocket) => {
      upgraded();
      this.metrics.openStreams.inc({ route: ROUTE });
      const session = new ChatSession(
        webSocket,
        call,
        this.config.limits,
        {
          onPause: () => this.metrics.pausedForClient.inc({ route: ROUTE }),
          onLimit: (limit) => this.metrics.refused(limit),
          onClose: () => {
            this.sessions.delete(session);
            this.metrics.openStreams.dec({ route: ROUTE });
            this.metrics.recordRequest('GET', ROUTE, 101, (performance.now() - started) / 1000);
            endSessionSpan(span, 101);
          },
        },
        trace.setSpan(ROOT_CONTEXT, span),
      );
      this.sessions.add(session);
    });
  }
}

/** Ends a session's span with the HTTP status its handshake got (101 once it was upgraded). */
function endSessionSpan(span: Span, statusCode: number): void {
  span.setAttribute('http.response.status_code', statusCode);
  if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** The member's user: the caller's; a `user` parameter, when sent, must name the same. */
function optionalUser(query: ReturnType<typeof parseQuery>, caller: Caller): string {
  const asked = query['user'];
  if (asked === undefined) return caller.user;
  if (asked !== caller.user) {
    throw new ForbiddenException(
      `you are signed in as ${JSON.stringify(caller.user)} and cannot chat as ${JSON.stringify(asked)}`,
    );
  }
  return caller.user;
}
