import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ClientDuplexStream, Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  BadRequestException,
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CHAT_ROOM_HEADER, type ChatRequest, type ChatResponse, SERVED_BY_HEADER } from '@quartet/proto';
import { parse as parseQuery } from 'node:querystring';
import { WebSocketServer } from 'ws';
import { Backends } from '../backends/backends';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { servedByOf } from '../http/grpc-call';
import { grpcErrorBody, httpStatusOf } from '../http/grpc-status';
import { requiredParam, wholeNumberParam } from '../http/query';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { ChatSession } from './chat-session';
import { MAX_CLIENT_FRAME_BYTES } from './client-frames';
import { answerUpgrade } from './upgrade-answer';

const ROUTE = '/api/chat';

/**
 * `/api/chat?room=&user=&since=` as a WebSocket. The handshake waits for the chat service
 * to accept the join, so that a refused join is an ordinary HTTP error (400 with the JSON
 * body) and an accepted one carries `x-served-by` like every other response.
 */
@Injectable()
export class ChatSocketServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  // Frames over the app's own limit get an error frame; far larger ones are refused by ws
  // itself (close 1009) before they are buffered.
  private readonly sockets = new WebSocketServer({ noServer: true, maxPayload: 8 * MAX_CLIENT_FRAME_BYTES });
  private readonly sessions = new Set<ChatSession>();
  /** The replica that accepted each join, for the handshake's response headers. */
  private readonly servedBy = new WeakMap<IncomingMessage, string>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly backends: Backends,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.sockets.on('headers', (headers: string[], request: IncomingMessage) => {
      const servedBy = this.servedBy.get(request);
      if (servedBy) headers.push(`${SERVED_BY_HEADER}: ${servedBy}`);
    });
    this.adapterHost.httpAdapter
      .getHttpServer()
      .on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
        this.upgrade(request, socket, head),
      );
  }

  beforeApplicationShutdown(): void {
    for (const session of this.sessions) session.shutDown();
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const started = performance.now();
    const record = (statusCode: number) =>
      this.metrics.recordRequest('GET', ROUTE, statusCode, (performance.now() - started) / 1000);
    const url = new URL(request.url ?? '/', 'http://gateway');
    if (url.pathname !== ROUTE) {
      record(404);
      answerUpgrade(socket, 404, {
        error: { code: 'NOT_FOUND', message: `no WebSocket at ${url.pathname}` },
      });
      return;
    }
    let join: { room: string; user: string; sinceSeq: bigint };
    try {
      const query = parseQuery(url.search.slice(1));
      join = {
        room: requiredParam(query, 'room'),
        user: requiredParam(query, 'user'),
        sinceSeq: BigInt(wholeNumberParam(query, 'since', 0, Number.MAX_SAFE_INTEGER)),
      };
    } catch (error) {
      record(400);
      const message = error instanceof BadRequestException ? error.message : String(error);
      answerUpgrade(socket, 400, { error: { code: 'BAD_REQUEST', message } });
      return;
    }

    const metadata = new Metadata();
    // A header carries printable ASCII only; any other room name is the chat service's to refuse.
    if (/^[\x20-\x7e]+$/.test(join.room)) metadata.set(CHAT_ROOM_HEADER, join.room);
    const call = this.backends.chat.chat(metadata, {
      deadline: Date.now() + this.config.streamDeadlineMs,
    });
    call.write({ action: { $case: 'join', value: join } });
    const onSocketGone = () => call.cancel();
    socket.once('close', onSocketGone);
    const refuse = (error: ServiceError) => {
      socket.off('close', onSocketGone);
      const statusCode = httpStatusOf(error.code);
      record(statusCode);
      const servedBy = servedByOf(error.metadata);
      answerUpgrade(socket, statusCode, grpcErrorBody(error.code, error.details, servedBy), servedBy);
    };
    call.once('error', refuse);
    call.once('metadata', (headers: Metadata) => {
      call.off('error', refuse);
      const servedBy = servedByOf(headers);
      if (servedBy) this.servedBy.set(request, servedBy);
      this.accept(request, socket, head, call, started, () => socket.off('close', onSocketGone));
    });
  }

  private accept(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    call: ClientDuplexStream<ChatRequest, ChatResponse>,
    started: number,
    upgraded: () => void,
  ): void {
    // Until the upgrade completes the socket closing cancels the call; ws drops a socket
    // that closed meanwhile without calling back.
    this.sockets.handleUpgrade(request, socket, head, (webSocket) => {
      upgraded();
      this.metrics.openStreams.inc({ route: ROUTE });
      const session = new ChatSession(webSocket, call, {
        onPause: () => this.metrics.pausedForClient.inc({ route: ROUTE }),
        onClose: () => {
          this.sessions.delete(session);
          this.metrics.openStreams.dec({ route: ROUTE });
          this.metrics.recordRequest('GET', ROUTE, 101, (performance.now() - started) / 1000);
        },
      });
      this.sessions.add(session);
    });
  }
}
